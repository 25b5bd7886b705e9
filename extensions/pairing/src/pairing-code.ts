import { KithError } from '@kith/sdk';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { WORD_INDEX, WORD_LIST } from './word-list.js';

/** Words in a code a person reads aloud (4 × 8 bits). */
export const CODE_WORDS = 4;
/** Words in the secret an invite token carries (12 × 8 bits): never typed, so it can be long. */
export const INVITE_WORDS = 12;
/** Leading words that name the rendezvous room; the rest stay secret from the operator. */
export const ROOM_WORDS = 2;
/** Longest input accepted before parsing (a 12-word code with generous separators). */
const MAX_CODE_INPUT = 200;

const ROOM_PREFIX = 'kith-pair/v1/room/';

/** A validated code: its words and the canonical `word-word-word-word` spelling. */
export interface PairingCode {
  readonly words: readonly string[];
  readonly canonical: string;
}

/** A fresh random code of `count` words from {@link WORD_LIST}. */
export function generateCode(count: number = CODE_WORDS): PairingCode {
  const bytes = randomBytes(count);
  const words = Array.from(bytes, (byte) => WORD_LIST[byte]!);
  return { words, canonical: words.join('-') };
}

/**
 * Parse what a person typed: any case, any mix of spaces, dashes, dots, commas, underscores or
 * plus signs between words. Throws `KITH_ERR_BAD_REQUEST` naming the first unknown word.
 */
export function normalizeCode(input: unknown): PairingCode {
  if (typeof input !== 'string') throw new KithError('KITH_ERR_BAD_REQUEST', 'The pairing code must be a string');
  if (input.length > MAX_CODE_INPUT) throw new KithError('KITH_ERR_BAD_REQUEST', 'The pairing code is too long');
  const words = input
    .normalize('NFKC')
    .toLowerCase()
    .split(/[\s\-_.,;:+/]+/u)
    .filter((word) => word.length > 0);
  if (words.length !== CODE_WORDS && words.length !== INVITE_WORDS) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `A pairing code has ${CODE_WORDS} words; got ${words.length}`);
  }
  for (const word of words) {
    if (!WORD_INDEX.has(word)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `"${word}" is not a pairing-code word; check the spelling`, { word });
    }
  }
  return { words, canonical: words.join('-') };
}

/**
 * The rendezvous room for a code: SHA-256 over a versioned prefix and the code's first
 * {@link ROOM_WORDS} words. Hashing the whole code would let the operator try all 2^32 codes
 * against the room name offline and then stand in the middle; the remaining words are only ever
 * used as the PAKE password, so each guess costs the operator an online attempt that the two
 * honest peers see fail.
 */
export function pairingRoom(code: PairingCode): string {
  const roomPart = code.words.slice(0, ROOM_WORDS).join('-');
  return bytesToHex(sha256(utf8ToBytes(`${ROOM_PREFIX}${code.words.length}/${roomPart}`)));
}
