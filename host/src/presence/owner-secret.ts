import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The owner secret of one entry (22 base64url characters, 128 bits): sent on publish and unpublish,
 * while the server stores and hands out only its hash (`ownerTagOf`), so nobody who reads the room
 * can replace or remove the entry. Derived from a random per-join `seed` and changing with
 * `epoch`, so neither secrets nor their tags link one epoch's entries to the next.
 */
export function ownerSecret(seed: Uint8Array, purpose: string, subject: string, epoch: number): string {
  const mac = hmac(sha256, seed, utf8ToBytes(`${purpose}|${subject}|${epoch}`));
  return Buffer.from(mac.subarray(0, 16)).toString('base64url');
}
