/**
 * What the PAKE key protects: key confirmation tags (HMAC-SHA256 under a key derived from the ISK),
 * per-direction keys from the CPace ISK (HKDF-SHA256), sealed boxes (XChaCha20-Poly1305 with a
 * random nonce, bound to their purpose and both shares), and the short safety code both people
 * compare.
 */
import { timingSafeEqual } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { CONFIRM_BYTES } from './room-message.js';

const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const SALT = utf8ToBytes('kith-pair/v2');

/**
 * The key confirmation tag the owner of `senderShare` sends to the owner of `recipientShare`:
 * HMAC-SHA256 keyed by `HKDF(ISK, "kith-pair/v2/confirm/" ‖ senderShare)` over both shares. Only
 * someone who computed the same ISK (so used the same code) can make it or check it; checking it
 * is the one guess a share buys.
 */
export function confirmTag(isk: Uint8Array, senderShare: Uint8Array, recipientShare: Uint8Array): Uint8Array {
  const key = hkdf(sha256, isk, SALT, concatBytes(utf8ToBytes('kith-pair/v2/confirm/'), senderShare), 32);
  return hmac(sha256, key, concatBytes(utf8ToBytes('kith-pair/v2/confirm'), senderShare, recipientShare));
}

/** True when `tag` is the confirmation the owner of `senderShare` would send us (constant time). */
export function checkConfirmTag(isk: Uint8Array, senderShare: Uint8Array, recipientShare: Uint8Array, tag: Uint8Array): boolean {
  if (tag.length !== CONFIRM_BYTES) return false;
  return timingSafeEqual(confirmTag(isk, senderShare, recipientShare), tag);
}

/** What a box carries; each purpose has its own key and associated data. */
export type BoxPurpose = 'card' | 'key';

/** The key the owner of `senderShare` seals `purpose` boxes with. */
export function boxKey(isk: Uint8Array, purpose: BoxPurpose, senderShare: Uint8Array): Uint8Array {
  return hkdf(sha256, isk, SALT, concatBytes(utf8ToBytes(`kith-pair/v2/${purpose}/`), senderShare), 32);
}

function associatedData(purpose: BoxPurpose, senderShare: Uint8Array, recipientShare: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(`kith-pair/v2/${purpose}`), senderShare, recipientShare);
}

/** Seal `plaintext` from the owner of `senderShare` to the owner of `recipientShare`. */
export function sealBox(
  isk: Uint8Array,
  purpose: BoxPurpose,
  senderShare: Uint8Array,
  recipientShare: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = xchacha20poly1305(boxKey(isk, purpose, senderShare), nonce, associatedData(purpose, senderShare, recipientShare));
  return concatBytes(nonce, cipher.encrypt(plaintext));
}

/** Open a box, or null when it was not sealed under this ISK (wrong code) or was altered. */
export function openBox(
  isk: Uint8Array,
  purpose: BoxPurpose,
  senderShare: Uint8Array,
  recipientShare: Uint8Array,
  box: Uint8Array,
): Uint8Array | null {
  if (box.length < NONCE_BYTES + TAG_BYTES) return null;
  const cipher = xchacha20poly1305(
    boxKey(isk, purpose, senderShare),
    box.subarray(0, NONCE_BYTES),
    associatedData(purpose, senderShare, recipientShare),
  );
  try {
    return cipher.decrypt(box.subarray(NONCE_BYTES));
  } catch {
    return null;
  }
}

/**
 * The safety code both people read to each other: 8 digits from the ISK and both master keys
 * (sorted, so both sides get the same). Equal codes mean nobody stood in the middle of the PAKE.
 */
export function safetyCode(isk: Uint8Array, masterKeyA: string, masterKeyB: string): string {
  const [first, second] = [masterKeyA, masterKeyB].sort();
  const bytes = hkdf(sha256, isk, SALT, utf8ToBytes(`kith-pair/v2/safety/${first}/${second}`), 8);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const digits = (value % 100_000_000n).toString().padStart(8, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4)}`;
}
