import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Room word → room id: hex SHA-256 over a versioned prefix and the normalised word. */
export function roomForWord(word: string): string {
  const normalised = normaliseWord(word);
  if (normalised.length === 0) throw new RangeError('the room word is empty');
  return bytesToHex(sha256(utf8ToBytes(`kith/rendezvous/v1/room/${normalised}`)));
}

/** Case, surrounding whitespace and Unicode form do not change the room. */
export function normaliseWord(word: string): string {
  return word.normalize('NFKC').trim().toLowerCase();
}
