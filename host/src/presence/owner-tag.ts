import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * An owner tag derived from a secret the server never sees. It changes with `epoch`, so the
 * operator cannot link one epoch's entries to the next through their owners.
 */
export function ownerTag(secret: Uint8Array, purpose: string, subject: string, epoch: number): string {
  const mac = hmac(sha256, secret, utf8ToBytes(`${purpose}|${subject}|${epoch}`));
  return Buffer.from(mac.subarray(0, 16)).toString('base64url');
}
