/**
 * Per-call media keys. The friendship key `ctx.keys.friendKey(peer, 'kith/calls/v1', salt)` (both
 * friends derive it alike; the caller picks the 8-byte salt per call) is expanded with HKDF-SHA256
 * once per stream and direction: audio and video have separate stream ids, and each side sends
 * under its own key, so no (key, nonce) pair is ever used twice although both sides count from 0.
 */
import { hkdfSync } from 'node:crypto';

export const CALLS_KEY_INFO = 'kith/calls/v1';
/** Who sends under a key: the one who placed the call, or the one who answered. */
export type Direction = 'caller' | 'callee';
export type MediaType = 'audio' | 'video';

/** The 32-byte key for frames of `type` on `streamId` sent by `from`. */
export function mediaKey(callKey: Uint8Array, streamId: string, type: MediaType, from: Direction): Uint8Array {
  if (callKey.length !== 32) throw new RangeError('a call key is 32 bytes');
  const info = `${CALLS_KEY_INFO} ${type} from ${from}`;
  return new Uint8Array(hkdfSync('sha256', callKey, Buffer.from(streamId, 'hex'), info, 32));
}

/** Both keys of one stream: the one this side seals with and the one it opens the friend's frames with. */
export function streamKeys(callKey: Uint8Array, streamId: string, type: MediaType, me: Direction): { send: Uint8Array; receive: Uint8Array } {
  const other: Direction = me === 'caller' ? 'callee' : 'caller';
  return { send: mediaKey(callKey, streamId, type, me), receive: mediaKey(callKey, streamId, type, other) };
}
