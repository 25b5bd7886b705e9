import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KithError, type PeerKey, type StreamId } from '@kith/sdk';

const SALT = new TextEncoder().encode('kith:stream-id:v1');
const PEER_KEY_PATTERN = /^[0-9a-f]{64}$/;

/** A fresh random 16-byte stream id (files, calls). */
export function randomStreamId(): StreamId {
  return randomBytes(16).toString('hex');
}

/**
 * The stream id both friends derive alike for `purpose`: HKDF-SHA256 with the two master public
 * keys, sorted so both sides order them the same, as input keying material, and the purpose as
 * info. Not secret (it only names a stream inside an encrypted session), but stable across
 * restarts and reconnects, so the chat stream's sequence space continues.
 */
export function friendStreamId(own: PeerKey, peer: PeerKey, purpose: string): StreamId {
  if (!PEER_KEY_PATTERN.test(own) || !PEER_KEY_PATTERN.test(peer)) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A peer key is 64 lowercase hex characters');
  }
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 64) {
    throw new KithError('KITH_ERR_BAD_REQUEST', 'A stream purpose is 1 to 64 characters');
  }
  const [a, b] = own < peer ? [own, peer] : [peer, own];
  const ikm = new Uint8Array([...Buffer.from(a, 'hex'), ...Buffer.from(b, 'hex')]);
  return Buffer.from(hkdf(sha256, ikm, SALT, new TextEncoder().encode(purpose), 16)).toString('hex');
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
