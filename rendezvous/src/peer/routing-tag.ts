import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * The outer layer of a friend-targeted blob: a routing tag only the two friends can compute, so a
 * recipient finds blobs meant for it without trying every box, and the operator sees an opaque,
 * rotating value. The tag is directional (it names the sender) and rotates every 5 minutes, so
 * consecutive epochs and the two directions of one friendship are unlinkable without the secret.
 */

export const EPOCH_MS = 5 * 60_000;
/** Tag bytes kept (hex is twice as long). 128 bits: collisions are not a concern. */
export const TAG_BYTES = 16;
export const TAG_PATTERN = /^[0-9a-f]{32}$/;

/** The 5-minute epoch `nowMs` falls in. */
export function epochOf(nowMs: number): number {
  return Math.floor(nowMs / EPOCH_MS);
}

/**
 * The friendship's routing secret: HKDF-SHA256 of the X25519 shared secret between the two
 * per-friend keys (both sides compute the same value), bound to both master keys.
 */
export function friendshipRoutingSecret(sharedSecret: Uint8Array, masterA: string, masterB: string): Uint8Array {
  const [low, high] = [masterA, masterB].sort();
  return hkdf(sha256, sharedSecret, utf8ToBytes('kith/rendezvous/v1/routing'), utf8ToBytes(`${low}|${high}`), 32);
}

/** The tag of blobs `senderMaster` publishes for the friendship in `epoch`. */
export function routingTag(secret: Uint8Array, senderMaster: string, epoch: number): string {
  const mac = hmac(sha256, secret, utf8ToBytes(`kith/rendezvous/v1/tag|${senderMaster}|${epoch}`));
  return bytesToHex(mac.subarray(0, TAG_BYTES));
}

/**
 * The tag of blobs addressed to a stranger (no friendship yet), keyed by the X25519 key the stranger
 * announced in the room. Anyone in the room can compute it; the box still hides the content.
 */
export function strangerTag(recipientX25519Hex: string, epoch: number): string {
  const mac = hmac(sha256, hexToBytes(recipientX25519Hex), utf8ToBytes(`kith/rendezvous/v1/stranger|${epoch}`));
  return bytesToHex(mac.subarray(0, TAG_BYTES));
}

/** Epochs a receiver accepts around `nowMs` (previous, current, next: clock skew and the TTL). */
export function acceptedEpochs(nowMs: number): number[] {
  const e = epochOf(nowMs);
  return [e - 2, e - 1, e, e + 1];
}
