import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KithError, type PeerKey, type StreamId } from '@kith/sdk';

const SALT = new TextEncoder().encode('kith:stream-id:v2');
const PEER_KEY_PATTERN = /^[0-9a-f]{64}$/;
/** Bytes of a derived stream id that name its extension (the rest name the purpose). */
export const STREAM_OWNER_BYTES = 8;

/** A fresh random 16-byte stream id (files, calls). */
export function randomStreamId(): StreamId {
  return randomBytes(16).toString('hex');
}

/**
 * The stream id both friends derive alike for one extension's `purpose`: HKDF-SHA256 with the two
 * master public keys, sorted so both sides order them the same, as input keying material. Its
 * first 8 bytes depend on the extension id alone and the last 8 on the extension id and the
 * purpose, so the bus can tell from an id whose derived stream it is and keep every other
 * extension off it (stream-ownership.ts). Not secret (it only names a stream inside an encrypted
 * session), but stable across restarts and reconnects, so the chat stream's sequence space
 * continues. host/src/extensions/isolation/child-stream-ids.mjs derives the same in an
 * extension's own process.
 */
export function friendStreamId(own: PeerKey, peer: PeerKey, extensionId: string, purpose: string): StreamId {
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 64) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A stream purpose is 1 to 64 characters');
  }
  const ikm = friendshipMaterial(own, peer);
  return derive(ikm, `owner\0${extensionId}`) + derive(ikm, `purpose\0${extensionId}\0${purpose}`);
}

/** The first 8 bytes (16 hex) of every stream id {@link friendStreamId} derives for `extensionId`. */
export function streamOwnerPrefix(own: PeerKey, peer: PeerKey, extensionId: string): string {
  return derive(friendshipMaterial(own, peer), `owner\0${extensionId}`);
}

/** 8 bytes (16 hex) of HKDF-SHA256 over the friendship for `info`: half a derived stream id. */
function derive(ikm: Uint8Array, info: string): string {
  return Buffer.from(hkdf(sha256, ikm, SALT, new TextEncoder().encode(info), STREAM_OWNER_BYTES)).toString('hex');
}

function friendshipMaterial(own: PeerKey, peer: PeerKey): Uint8Array {
  if (!PEER_KEY_PATTERN.test(own) || typeof peer !== 'string' || !PEER_KEY_PATTERN.test(peer)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A peer key is 64 lowercase hex characters');
  }
  const [a, b] = own < peer ? [own, peer] : [peer, own];
  return new Uint8Array([...Buffer.from(a, 'hex'), ...Buffer.from(b, 'hex')]);
}

const STREAM_PATTERN = /^[0-9a-f]{32}$/;

const recent = new Map<string, Uint8Array>();

/**
 * Parse a stream id (32 lowercase hex) to its 16 bytes; throws `KITH_ERR_BAD_REQUEST`. The last
 * few hundred are remembered (a file transfer sends thousands of events on one stream); callers
 * must not modify the returned bytes.
 */
export function streamIdBytes(stream: StreamId): Uint8Array {
  const known = recent.get(stream);
  if (known) return known;
  if (typeof stream !== 'string' || !STREAM_PATTERN.test(stream)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A stream id is 32 lowercase hex characters');
  }
  const bytes = new Uint8Array(Buffer.from(stream, 'hex'));
  if (recent.size >= 256) recent.delete(recent.keys().next().value as string);
  recent.set(stream, bytes);
  return bytes;
}
