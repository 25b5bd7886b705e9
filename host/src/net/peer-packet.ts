import { PEER_MAGIC, PacketType, DATA_HEADER_BYTES, MAX_DATAGRAM, TAG_BYTES } from './wire-constants.js';

/**
 * Pure codecs for Kith's peer datagrams (layouts in docs/net.md). Decoders check every length
 * before reading and return `undefined` with a reason instead of throwing.
 *
 *   HELLO      CC 01 | sender index u32 | hint(8) | e(32) | sealed payload (ts, peer id [, rekey tag])
 *   HELLO-ACK  CC 02 | sender index u32 | receiver index u32 | e(32) | sealed payload
 *   DATA       CC 03 | receiver index u32 | counter u64 | sealed inner message
 *   BEACON     CC 04 | nonce(8) | hint(16) | session port u16
 */

export const HINT_BYTES = 8;
export const BEACON_HINT_BYTES = 16;
export const BEACON_NONCE_BYTES = 8;
/** Largest peer id carried in a handshake payload. */
export const MAX_PEER_ID_BYTES = 64;

/** Marks a HELLO that rekeys a live session: HMAC(current handshake hash)[:16]. */
export const REKEY_TAG_BYTES = 16;
/** Noise payload of a HELLO: timestamp(8) + peer id length(1) + peer id [+ rekey tag(16)]. */
const HELLO_MIN = 2 + 4 + HINT_BYTES + 32 + 9 + TAG_BYTES;
const HELLO_MAX = HELLO_MIN + MAX_PEER_ID_BYTES + REKEY_TAG_BYTES;
/** Noise payload of a HELLO-ACK: peer id length(1) + peer id. */
const ACK_MIN = 2 + 4 + 4 + 32 + 1 + TAG_BYTES;
const ACK_MAX = ACK_MIN + MAX_PEER_ID_BYTES;
const DATA_MIN = DATA_HEADER_BYTES + 1 + TAG_BYTES;
export const BEACON_BYTES = 2 + BEACON_NONCE_BYTES + BEACON_HINT_BYTES + 2;

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string) => ({ ok: false as const, reason });

export interface HelloPacket {
  readonly senderIndex: number;
  readonly hint: Buffer;
  /** e || sealed payload: the Noise message. */
  readonly noise: Buffer;
}

export interface HelloAckPacket {
  readonly senderIndex: number;
  readonly receiverIndex: number;
  readonly noise: Buffer;
}

export interface DataPacket {
  readonly receiverIndex: number;
  readonly counter: number;
  /** The 14-byte header: the AEAD's associated data. */
  readonly header: Buffer;
  readonly sealed: Buffer;
}

export interface BeaconPacket {
  readonly nonce: Buffer;
  readonly hint: Buffer;
  /** The sender's session UDP port (beacons travel on the shared LAN port). */
  readonly port: number;
}

export function encodeHello(senderIndex: number, hint: Uint8Array, noise: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + 4 + HINT_BYTES + noise.length);
  out[0] = PEER_MAGIC;
  out[1] = PacketType.Hello;
  out.writeUInt32BE(senderIndex, 2);
  out.set(hint.subarray(0, HINT_BYTES), 6);
  out.set(noise, 6 + HINT_BYTES);
  return out;
}

export function decodeHello(data: Buffer): Decoded<HelloPacket> {
  if (data.length < HELLO_MIN || data.length > HELLO_MAX) return fail('hello-bad-length');
  return {
    ok: true,
    value: { senderIndex: data.readUInt32BE(2), hint: data.subarray(6, 6 + HINT_BYTES), noise: data.subarray(6 + HINT_BYTES) },
  };
}

export function encodeHelloAck(senderIndex: number, receiverIndex: number, noise: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(10 + noise.length);
  out[0] = PEER_MAGIC;
  out[1] = PacketType.HelloAck;
  out.writeUInt32BE(senderIndex, 2);
  out.writeUInt32BE(receiverIndex, 6);
  out.set(noise, 10);
  return out;
}

export function decodeHelloAck(data: Buffer): Decoded<HelloAckPacket> {
  if (data.length < ACK_MIN || data.length > ACK_MAX) return fail('ack-bad-length');
  return { ok: true, value: { senderIndex: data.readUInt32BE(2), receiverIndex: data.readUInt32BE(6), noise: data.subarray(10) } };
}

export function encodeDataHeader(receiverIndex: number, counter: number): Buffer {
  const header = Buffer.allocUnsafe(DATA_HEADER_BYTES);
  writeDataHeader(header, receiverIndex, counter);
  return header;
}

/** Write a DATA header into the first {@link DATA_HEADER_BYTES} of `header`. */
export function writeDataHeader(header: Buffer, receiverIndex: number, counter: number): void {
  header[0] = PEER_MAGIC;
  header[1] = PacketType.Data;
  header.writeUInt32BE(receiverIndex, 2);
  // u64 as two u32 halves: no BigInt on the per-packet path.
  header.writeUInt32BE(Math.floor(counter / 0x1_0000_0000), 6);
  header.writeUInt32BE(counter >>> 0, 10);
}

/** `maxBytes`: the base size unless the caller is a live (authenticated) session, which takes probed sizes. */
export function decodeData(data: Buffer, maxBytes = MAX_DATAGRAM): Decoded<DataPacket> {
  if (data.length < DATA_MIN || data.length > maxBytes) return fail('data-bad-length');
  const high = data.readUInt32BE(6);
  if (high > 0x1f_ffff) return fail('data-bad-counter'); // beyond Number.MAX_SAFE_INTEGER
  const counter = high * 0x1_0000_0000 + data.readUInt32BE(10);
  return {
    ok: true,
    value: {
      receiverIndex: data.readUInt32BE(2),
      counter,
      header: data.subarray(0, DATA_HEADER_BYTES),
      sealed: data.subarray(DATA_HEADER_BYTES),
    },
  };
}

export function encodeBeacon(nonce: Uint8Array, hint: Uint8Array, port: number): Buffer {
  const out = Buffer.allocUnsafe(BEACON_BYTES);
  out[0] = PEER_MAGIC;
  out[1] = PacketType.Beacon;
  out.set(nonce.subarray(0, BEACON_NONCE_BYTES), 2);
  out.set(hint.subarray(0, BEACON_HINT_BYTES), 2 + BEACON_NONCE_BYTES);
  out.writeUInt16BE(port, 2 + BEACON_NONCE_BYTES + BEACON_HINT_BYTES);
  return out;
}

export function decodeBeacon(data: Buffer): Decoded<BeaconPacket> {
  if (data.length !== BEACON_BYTES) return fail('beacon-bad-length');
  const port = data.readUInt16BE(26);
  if (port === 0) return fail('beacon-bad-port');
  return { ok: true, value: { nonce: data.subarray(2, 10), hint: data.subarray(10, 26), port } };
}

/** HELLO payload: timestamp (Unix ms, u64) + peer id, and the rekey tag when it rekeys a live session. */
export function encodeHelloPayload(timestampMs: number, peerId: string, rekeyTag?: Uint8Array): Buffer {
  const id = Buffer.from(peerId, 'utf8').subarray(0, MAX_PEER_ID_BYTES);
  const out = Buffer.alloc(9 + id.length + (rekeyTag ? REKEY_TAG_BYTES : 0));
  out.writeBigUInt64BE(BigInt(timestampMs), 0);
  out[8] = id.length;
  out.set(id, 9);
  if (rekeyTag) out.set(rekeyTag.subarray(0, REKEY_TAG_BYTES), 9 + id.length);
  return out;
}

export function decodeHelloPayload(payload: Buffer): { timestampMs: number; peerId: string; rekeyTag?: Buffer } | undefined {
  if (payload.length < 9) return undefined;
  const idEnd = 9 + payload[8]!;
  if (payload.length !== idEnd && payload.length !== idEnd + REKEY_TAG_BYTES) return undefined;
  const ts = payload.readBigUInt64BE(0);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const peerId = payload.subarray(9, idEnd).toString('utf8');
  return payload.length === idEnd
    ? { timestampMs: Number(ts), peerId }
    : { timestampMs: Number(ts), peerId, rekeyTag: payload.subarray(idEnd) };
}

/** HELLO-ACK payload: peer id. */
export function encodeAckPayload(peerId: string): Buffer {
  const id = Buffer.from(peerId, 'utf8').subarray(0, MAX_PEER_ID_BYTES);
  return Buffer.concat([Buffer.of(id.length), id]);
}

export function decodeAckPayload(payload: Buffer): string | undefined {
  if (payload.length < 1 || payload.length !== 1 + payload[0]!) return undefined;
  return payload.subarray(1).toString('utf8');
}
