/**
 * The blobs a pairing publishes to its rendezvous room: a CPace share, a key confirmation, then
 * boxes addressed from one share to another. Text (JSON with base64url fields), bounded before
 * parsing, because the rendezvous stores strings and anyone may publish into a room.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CPACE_SHARE_BYTES, isBindableShare } from './cpace.js';

const VERSION = 2;
const MAX_BLOB_CHARS = 4096;
const SHARE_ID = /^[0-9a-f]{16}$/;
/** Length of a key confirmation tag (HMAC-SHA256). */
export const CONFIRM_BYTES = 32;

export type RoomMessage =
  | { readonly t: 'share'; readonly share: Uint8Array }
  | { readonly t: 'confirm'; readonly from: string; readonly to: string; readonly tag: Uint8Array }
  | { readonly t: 'card' | 'key'; readonly from: string; readonly to: string; readonly box: Uint8Array };

/** A short public handle for a share: the first 8 bytes of its SHA-256, in hex. */
export function shareId(share: Uint8Array): string {
  return bytesToHex(sha256(share).subarray(0, 8));
}

export function encodeRoomMessage(message: RoomMessage): string {
  if (message.t === 'share') return JSON.stringify({ v: VERSION, t: 'share', s: toB64(message.share) });
  const bytes = message.t === 'confirm' ? message.tag : message.box;
  return JSON.stringify({ v: VERSION, t: message.t, f: message.from, r: message.to, b: toB64(bytes) });
}

/** Parse a blob from the room, or null when it is not a well-formed pairing message of this version. */
export function decodeRoomMessage(blob: string): RoomMessage | null {
  if (typeof blob !== 'string' || blob.length > MAX_BLOB_CHARS) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(blob);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || value.v !== VERSION) return null;
  if (value.t === 'share') {
    const share = fromB64(value.s);
    return share && share.length === CPACE_SHARE_BYTES ? { t: 'share', share } : null;
  }
  if (value.t !== 'confirm' && value.t !== 'card' && value.t !== 'key') return null;
  const bytes = fromB64(value.b);
  if (!bytes || typeof value.f !== 'string' || typeof value.r !== 'string') return null;
  if (!SHARE_ID.test(value.f) || !SHARE_ID.test(value.r)) return null;
  if (value.t === 'confirm') return bytes.length === CONFIRM_BYTES ? { t: 'confirm', from: value.f, to: value.r, tag: bytes } : null;
  return { t: value.t, from: value.f, to: value.r, box: bytes };
}

/**
 * Would a new code's run meet someone else's share in a room holding these blobs? Only a share a
 * run could bind counts: junk (what `decodeRoomMessage` rejects, or a share that is no group
 * element) is skipped by every run, so a room holding nothing else is as good as empty.
 */
export function holdsBindableShare(blobs: readonly string[]): boolean {
  return blobs.some((blob) => {
    const message = decodeRoomMessage(blob);
    return message?.t === 'share' && isBindableShare(message.share);
  });
}

function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromB64(value: unknown): Uint8Array | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value)) return null;
  return new Uint8Array(Buffer.from(value, 'base64url'));
}
