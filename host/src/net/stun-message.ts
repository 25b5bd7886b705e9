import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Endpoint } from '@kith/sdk';
import { toEndpoint } from './endpoint.js';

/**
 * A pure STUN codec (RFC 5389 / RFC 8489): Binding requests, and the parts of a response a client
 * needs (XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, FINGERPRINT, MESSAGE-INTEGRITY). Every read checks
 * lengths first; a malformed message yields `undefined`, never a throw.
 */

export const STUN_COOKIE = 0x2112a442;
export const STUN_HEADER_BYTES = 20;
export const StunMethod = { BindingRequest: 0x0001, BindingSuccess: 0x0101, BindingError: 0x0111 } as const;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_MESSAGE_INTEGRITY = 0x0008;
const ATTR_ERROR_CODE = 0x0009;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_SOFTWARE = 0x8022;
const ATTR_FINGERPRINT = 0x8028;
const FINGERPRINT_XOR = 0x5354554e;

export interface StunAttribute {
  readonly type: number;
  /** Offset of the attribute header inside the message. */
  readonly offset: number;
  readonly value: Buffer;
}

export interface StunMessage {
  readonly type: number;
  readonly transactionId: Buffer;
  readonly attributes: readonly StunAttribute[];
  readonly raw: Buffer;
}

/** Quick demux test: two zero top bits, the magic cookie, a length that matches the datagram. */
export function isStunMessage(data: Uint8Array): boolean {
  if (data.length < STUN_HEADER_BYTES || (data[0]! & 0xc0) !== 0) return false;
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const length = view.readUInt16BE(2);
  return view.readUInt32BE(4) === STUN_COOKIE && length % 4 === 0 && length + STUN_HEADER_BYTES === data.length;
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/** A Binding request with a FINGERPRINT (lets servers and middleboxes tell STUN apart). */
export function encodeBindingRequest(transactionId: Buffer): Buffer {
  const message = Buffer.alloc(STUN_HEADER_BYTES + 8);
  message.writeUInt16BE(StunMethod.BindingRequest, 0);
  message.writeUInt16BE(8, 2);
  message.writeUInt32BE(STUN_COOKIE, 4);
  transactionId.copy(message, 8);
  message.writeUInt16BE(ATTR_FINGERPRINT, 20);
  message.writeUInt16BE(4, 22);
  message.writeUInt32BE(fingerprintOf(message.subarray(0, 20)), 24);
  return message;
}

/** Parse a STUN message; undefined when it is not well-formed. */
export function decodeStunMessage(data: Buffer): StunMessage | undefined {
  if (!isStunMessage(data)) return undefined;
  const attributes: StunAttribute[] = [];
  let offset = STUN_HEADER_BYTES;
  while (offset < data.length) {
    if (offset + 4 > data.length) return undefined;
    const type = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    const end = offset + 4 + length;
    if (end > data.length) return undefined;
    attributes.push({ type, offset, value: data.subarray(offset + 4, end) });
    if (attributes.length > 64) return undefined;
    offset = end + ((4 - (length % 4)) % 4);
  }
  if (offset !== data.length) return undefined;
  return { type: data.readUInt16BE(0), transactionId: data.subarray(8, 20), attributes, raw: data };
}

/** The mapped address of a Binding success response: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS. */
export function mappedAddressOf(message: StunMessage): Endpoint | undefined {
  const xor = message.attributes.find((a) => a.type === ATTR_XOR_MAPPED_ADDRESS);
  if (xor) return decodeAddress(xor.value, message.transactionId, true);
  const plain = message.attributes.find((a) => a.type === ATTR_MAPPED_ADDRESS);
  return plain ? decodeAddress(plain.value, message.transactionId, false) : undefined;
}

/** The ERROR-CODE of an error response as `code reason`. */
export function errorOf(message: StunMessage): string | undefined {
  const attr = message.attributes.find((a) => a.type === ATTR_ERROR_CODE);
  if (!attr || attr.value.length < 4) return undefined;
  const code = (attr.value[2]! & 0x07) * 100 + attr.value[3]!;
  return `${code} ${attr.value.subarray(4, 132).toString('utf8')}`;
}

export function softwareOf(message: StunMessage): string | undefined {
  return message.attributes.find((a) => a.type === ATTR_SOFTWARE)?.value.subarray(0, 128).toString('utf8');
}

/** True when a FINGERPRINT is present and correct (or absent and `required` is false). */
export function checkFingerprint(message: StunMessage, required = false): boolean {
  const attr = message.attributes.find((a) => a.type === ATTR_FINGERPRINT);
  if (!attr) return !required;
  if (attr.value.length !== 4) return false;
  const covered = Buffer.from(message.raw.subarray(0, attr.offset));
  covered.writeUInt16BE(attr.offset + 8 - STUN_HEADER_BYTES, 2);
  return fingerprintOf(covered) === attr.value.readUInt32BE(0);
}

/** Verify MESSAGE-INTEGRITY with a short-term credential `key` (the password, SASLprep'd). */
export function checkMessageIntegrity(message: StunMessage, key: Uint8Array): boolean {
  const attr = message.attributes.find((a) => a.type === ATTR_MESSAGE_INTEGRITY);
  if (!attr || attr.value.length !== 20) return false;
  const covered = Buffer.from(message.raw.subarray(0, attr.offset));
  covered.writeUInt16BE(attr.offset + 24 - STUN_HEADER_BYTES, 2);
  const expected = createHmac('sha1', key).update(covered).digest();
  return expected.equals(attr.value);
}

function fingerprintOf(covered: Uint8Array): number {
  return (zlib.crc32(covered) ^ FINGERPRINT_XOR) >>> 0;
}

function decodeAddress(value: Buffer, transactionId: Buffer, xored: boolean): Endpoint | undefined {
  if (value.length < 4) return undefined;
  const family = value[1];
  let port = value.readUInt16BE(2);
  if (xored) port ^= STUN_COOKIE >>> 16;
  if (family === 0x01 && value.length === 8) {
    const bytes = Buffer.from(value.subarray(4, 8));
    if (xored) bytes.writeUInt32BE((bytes.readUInt32BE(0) ^ STUN_COOKIE) >>> 0, 0);
    return toEndpoint(Array.from(bytes).join('.'), port);
  }
  if (family === 0x02 && value.length === 20) {
    const bytes = Buffer.from(value.subarray(4, 20));
    if (xored) {
      const mask = Buffer.alloc(16);
      mask.writeUInt32BE(STUN_COOKIE, 0);
      transactionId.copy(mask, 4);
      for (let i = 0; i < 16; i++) bytes[i] = bytes[i]! ^ mask[i]!;
    }
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    const address = groups.join(':');
    return net.isIPv6(address) ? toEndpoint(canonicalIpv6(address), port) : undefined;
  }
  return undefined;
}

/** Canonical (RFC 5952-ish) text via the URL parser, so addresses compare equal. */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
