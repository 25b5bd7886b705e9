/**
 * Pairing codes. A code has a public part that names the rendezvous room (the nameplate) and a
 * secret part that is only ever used as the CPace password, so the room says nothing about the
 * secret:
 * - a typed code is `<number>-<word>-<word>-<word>-<word>`, e.g. `37-apple-river-zebra-clock`:
 *   the number (1 to 999, chosen free on the rendezvous) names the room, the four words (32 bits)
 *   are the password;
 * - an invite code is 12 words: the first 4 name the room (so strangers cannot find it by trying
 *   numbers), the last 8 (64 bits) are the password.
 */
import { KithError } from '@kith/sdk';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { WORD_INDEX, WORD_LIST } from './word-list.js';

/** Secret words in a typed code (4 × 8 bits). */
export const CODE_WORDS = 4;
/** Words in an invite's code (12 × 8 bits): never typed, so it can be long. */
export const INVITE_WORDS = 12;
/** Leading invite words that name the room; the other 8 are the password. */
export const INVITE_ROOM_WORDS = 4;
/** Nameplates are 1..MAX_NAMEPLATE: short to read aloud. */
export const MAX_NAMEPLATE = 999;
/** Longest input accepted before parsing (a 12-word code with generous separators). */
const MAX_CODE_INPUT = 200;

const ROOM_PREFIX = 'kith-pair/v2/room/';
const EXAMPLE = '37-apple-river-zebra-clock';

/** A validated code. */
export interface PairingCode {
  readonly kind: 'typed' | 'invite';
  /** The public part that names the room: the number of a typed code, the first words of an invite. */
  readonly nameplate: string;
  /** The secret words: the CPace password, never sent anywhere. */
  readonly secretWords: readonly string[];
  /** The canonical spelling, `37-apple-river-zebra-clock` or `word-…-word` (12 words). */
  readonly canonical: string;
}

function randomWords(count: number): string[] {
  return Array.from(randomBytes(count), (byte) => WORD_LIST[byte]!);
}

/** A typed code for `nameplate` with fresh random secret words. */
export function generateCode(nameplate: number): PairingCode {
  checkNameplate(nameplate);
  return typedCode(nameplate, randomWords(CODE_WORDS));
}

/** A fresh 12-word invite code. */
export function generateInviteCode(): PairingCode {
  return inviteCode(randomWords(INVITE_WORDS));
}

function typedCode(nameplate: number, words: readonly string[]): PairingCode {
  return { kind: 'typed', nameplate: String(nameplate), secretWords: words, canonical: [nameplate, ...words].join('-') };
}

function inviteCode(words: readonly string[]): PairingCode {
  return {
    kind: 'invite',
    nameplate: words.slice(0, INVITE_ROOM_WORDS).join('-'),
    secretWords: words.slice(INVITE_ROOM_WORDS),
    canonical: words.join('-'),
  };
}

function checkNameplate(nameplate: number): void {
  if (!Number.isInteger(nameplate) || nameplate < 1 || nameplate > MAX_NAMEPLATE) {
    throw new RangeError(`a nameplate is an integer from 1 to ${MAX_NAMEPLATE}`);
  }
}

/**
 * Parse what a person typed: any case, any mix of spaces, dashes, dots, commas, underscores or
 * plus signs between the parts. Throws `KITH_ERR_BAD_REQUEST` naming what is wrong.
 */
export function normalizeCode(input: unknown): PairingCode {
  if (typeof input !== 'string') throw bad('The pairing code must be a string');
  if (input.length > MAX_CODE_INPUT) throw bad('The pairing code is too long');
  const parts = input
    .normalize('NFKC')
    .toLowerCase()
    .split(/[\s\-_.,;:+/]+/u)
    .filter((part) => part.length > 0);
  const numbered = parts.length > 0 && /^[0-9]+$/.test(parts[0]!);
  const words = numbered ? parts.slice(1) : parts;
  for (const word of words) {
    if (!WORD_INDEX.has(word)) throw bad(`"${word.slice(0, 20)}" is not a pairing-code word; check the spelling`, { word: word.slice(0, 20) });
  }
  if (numbered) {
    const nameplate = Number(parts[0]);
    if (parts[0]!.length > 4 || nameplate < 1 || nameplate > MAX_NAMEPLATE) {
      throw bad(`A pairing code starts with a number from 1 to ${MAX_NAMEPLATE}, like ${EXAMPLE}`);
    }
    if (words.length !== CODE_WORDS) throw bad(`A pairing code has a number and ${CODE_WORDS} words, like ${EXAMPLE}; got ${words.length} words`);
    return typedCode(nameplate, words);
  }
  if (words.length === INVITE_WORDS) return inviteCode(words);
  if (words.length === CODE_WORDS) {
    throw bad(`This code has no number: codes start with one now, like ${EXAMPLE}. Ask your friend for the whole code (or a new one)`);
  }
  throw bad(`A pairing code has a number and ${CODE_WORDS} words, like ${EXAMPLE}; got ${words.length} words`);
}

/**
 * The rendezvous room of a code: SHA-256 over a versioned prefix and the nameplate only. The
 * secret words never enter it, so neither the operator nor anyone reading the room learns a bit of
 * the password from the room name; they learn the nameplate, which is public by design.
 */
export function pairingRoom(code: PairingCode): string {
  return roomForNameplate(code.kind, code.nameplate);
}

/** The room of a nameplate (for the free-room check before a code exists). */
export function roomForNameplate(kind: PairingCode['kind'], nameplate: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${ROOM_PREFIX}${kind}/${nameplate}`)));
}

/** The CPace password: the secret words only. */
export function pairingPassword(code: PairingCode): Uint8Array {
  return utf8ToBytes(code.secretWords.join('-'));
}

function bad(message: string, details?: Record<string, unknown>): KithError {
  return new KithError('KITH_ERR_BAD_REQUEST', message, details);
}
