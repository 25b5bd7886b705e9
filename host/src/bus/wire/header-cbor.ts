import { Decoder, Encoder } from 'cbor-x';
import { KithError, type EventHeader } from '@kith/sdk';
import { HEADER_CBOR_LIMITS, scanCbor } from './cbor-scan.js';

/** Largest encoded header (the u16 `hdr_len` field could say more; nothing legitimate needs it). */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Keys that could reach a prototype if a consumer ever copied the header with `Object.assign`. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// Plain maps with minimal-length heads, untagged byte strings, no records: the bytes are what
// docs/wire/header-cbor.md says, and golden vectors stay stable.
const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
  pack: false,
});
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const EMPTY_HEADER = new Uint8Array([0xa0]);

/** Encode a header (plain data) as CBOR. Throws `KITH_ERR_BAD_REQUEST` for anything else. */
export function encodeHeader(header: EventHeader): Uint8Array {
  checkPlain(header, 1);
  if (Object.keys(header).length === 0) return EMPTY_HEADER;
  const bytes = new Uint8Array(encoder.encode(header));
  if (bytes.length > MAX_HEADER_BYTES) {
    throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `Event header is ${bytes.length} bytes; the limit is ${MAX_HEADER_BYTES}`);
  }
  return bytes;
}

/**
 * Decode an untrusted CBOR header: bounded scan first (size, depth, item count, no tags), then
 * cbor-x into Maps, then copied into null-prototype objects that refuse `__proto__`,
 * `constructor` and `prototype` keys. Throws `KITH_ERR_BAD_FRAME`.
 */
export function decodeHeader(bytes: Uint8Array): EventHeader {
  if (bytes.length > MAX_HEADER_BYTES) throw bad(`header of ${bytes.length} bytes exceeds ${MAX_HEADER_BYTES}`);
  if (bytes.length === 0) throw bad('empty header');
  if (bytes[0]! >> 5 !== 5) throw bad('header is not a CBOR map');
  scanCbor(bytes, HEADER_CBOR_LIMITS);
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (error) {
    throw bad(`undecodable: ${(error as Error).message}`);
  }
  return toPlain(value) as EventHeader;
}

function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, inner] of value) {
      if (typeof key !== 'string') throw bad('map key is not a string');
      if (FORBIDDEN_KEYS.has(key)) throw bad(`forbidden key "${key}"`);
      out[key] = toPlain(inner);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw bad(`unexpected value of type ${typeof value}`);
}

function checkPlain(value: unknown, depth: number): void {
  if (depth > HEADER_CBOR_LIMITS.maxDepth) throw badInput('header nested too deep');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw badInput('NaN is not allowed in a header');
    return;
  }
  if (value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const inner of value) checkPlain(inner, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw badInput('header values must be plain objects, arrays, strings, numbers, booleans, null or bytes');
    for (const [key, inner] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw badInput(`forbidden key "${key}"`);
      if (inner === undefined) throw badInput(`key "${key}" is undefined`);
      checkPlain(inner, depth + 1);
    }
    return;
  }
  throw badInput(`a ${typeof value} cannot be sent in a header`);
}

function bad(why: string): KithError {
  return new KithError('KITH_ERR_BAD_FRAME', `Bad CBOR header: ${why}`);
}

function badInput(why: string): KithError {
  return new KithError('KITH_ERR_BAD_REQUEST', `Bad event header: ${why}`);
}
