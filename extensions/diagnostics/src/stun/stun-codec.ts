/**
 * A small, bounded STUN codec for the network check: Binding requests (with RFC 5780's
 * CHANGE-REQUEST) and the parts of a Binding response the check reads (XOR-MAPPED-ADDRESS,
 * MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN). The npm `stun` package is unmaintained since
 * 2019, and the host's codec is the host's: this one is ~100 lines and checks every length before
 * it reads. A malformed datagram decodes to `undefined`, never a throw.
 *
 * RFC 8489 §5 (header, attributes), §14.1-14.2 (address attributes), RFC 5780 §7.2-7.4.
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '@kith/sdk';

export const STUN_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
/** A Binding response is small; anything larger than a full datagram is not one. */
const MAX_MESSAGE_BYTES = 1500;
const MAX_ATTRIBUTES = 32;

export const BINDING_REQUEST = 0x0001;
export const BINDING_SUCCESS = 0x0101;

const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_CHANGE_REQUEST = 0x0003;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;
const ATTR_RESPONSE_ORIGIN = 0x802b;
const ATTR_OTHER_ADDRESS = 0x802c;
/** RFC 3489's name for OTHER-ADDRESS; older servers send it instead. */
const ATTR_CHANGED_ADDRESS = 0x0005;

const CHANGE_IP = 0x04;
const CHANGE_PORT = 0x02;

/** What RFC 5780 asks the server to change when it answers. */
export interface ChangeRequest {
  readonly ip: boolean;
  readonly port: boolean;
}

/** The fields of a Binding success response the check uses. */
export interface BindingResponse {
  readonly transactionId: string;
  readonly mapped: Endpoint | undefined;
  /** The server's second address and port (RFC 5780), when it has one. */
  readonly otherAddress: Endpoint | undefined;
  readonly responseOrigin: Endpoint | undefined;
}

export function newTransactionId(): Uint8Array {
  return randomBytes(12);
}

/** A Binding request; with `change`, a CHANGE-REQUEST attribute (RFC 5780 §7.2). */
export function encodeBindingRequest(transactionId: Uint8Array, change?: ChangeRequest): Uint8Array {
  if (transactionId.length !== 12) throw new RangeError('a STUN transaction id is 12 bytes');
  const body = change ? 8 : 0;
  const message = Buffer.alloc(HEADER_BYTES + body);
  message.writeUInt16BE(BINDING_REQUEST, 0);
  message.writeUInt16BE(body, 2);
  message.writeUInt32BE(STUN_COOKIE, 4);
  message.set(transactionId, 8);
  if (change) {
    message.writeUInt16BE(ATTR_CHANGE_REQUEST, 20);
    message.writeUInt16BE(4, 22);
    message.writeUInt32BE((change.ip ? CHANGE_IP : 0) | (change.port ? CHANGE_PORT : 0), 24);
  }
  return message;
}

/** The transaction id of any well-formed STUN message (request or response), else undefined. */
export function transactionIdOf(data: Uint8Array): string | undefined {
  const view = headerOf(data);
  return view ? Buffer.from(view.subarray(8, 20)).toString('hex') : undefined;
}

/** True when `data` is a well-formed Binding request (what a hairpin probe sends). */
export function isBindingRequest(data: Uint8Array): boolean {
  const view = headerOf(data);
  return view !== undefined && view.readUInt16BE(0) === BINDING_REQUEST;
}

/** Decode a Binding success response; undefined for anything else or anything malformed. */
export function decodeBindingResponse(data: Uint8Array): BindingResponse | undefined {
  const view = headerOf(data);
  if (!view || view.readUInt16BE(0) !== BINDING_SUCCESS) return undefined;
  const transaction = view.subarray(8, 20);
  let mapped: Endpoint | undefined;
  let xorMapped: Endpoint | undefined;
  let otherAddress: Endpoint | undefined;
  let responseOrigin: Endpoint | undefined;
  let offset = HEADER_BYTES;
  for (let count = 0; offset + 4 <= view.length; count++) {
    if (count >= MAX_ATTRIBUTES) return undefined;
    const type = view.readUInt16BE(offset);
    const length = view.readUInt16BE(offset + 2);
    const start = offset + 4;
    if (start + length > view.length) return undefined;
    const value = view.subarray(start, start + length);
    if (type === ATTR_XOR_MAPPED_ADDRESS) xorMapped = readAddress(value, transaction);
    else if (type === ATTR_MAPPED_ADDRESS) mapped = readAddress(value);
    else if (type === ATTR_OTHER_ADDRESS || (type === ATTR_CHANGED_ADDRESS && !otherAddress)) otherAddress = readAddress(value);
    else if (type === ATTR_RESPONSE_ORIGIN) responseOrigin = readAddress(value);
    offset = start + length + ((4 - (length % 4)) % 4);
  }
  return { transactionId: Buffer.from(transaction).toString('hex'), mapped: xorMapped ?? mapped, otherAddress, responseOrigin };
}

/** Header checks: size bounds, zero top bits, the cookie, a body length that matches the datagram. */
function headerOf(data: Uint8Array): Buffer | undefined {
  if (data.length < HEADER_BYTES || data.length > MAX_MESSAGE_BYTES || (data[0]! & 0xc0) !== 0) return undefined;
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const length = view.readUInt16BE(2);
  if (view.readUInt32BE(4) !== STUN_COOKIE || length % 4 !== 0 || length + HEADER_BYTES !== data.length) return undefined;
  return view;
}

/** An address attribute (family 1 = IPv4, 2 = IPv6); XOR-decoded when `transaction` is given. */
function readAddress(value: Buffer, transaction?: Buffer): Endpoint | undefined {
  if (value.length < 4) return undefined;
  const family = value[1];
  const length = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (length === 0 || value.length < 4 + length) return undefined;
  const mask = transaction ? Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transaction]) : Buffer.alloc(16);
  const port = value.readUInt16BE(2) ^ (transaction ? 0x2112 : 0);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = value[4 + i]! ^ mask[i]!;
  if (family === 0x01) return { family: 'ipv4', address: [...bytes].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return { family: 'ipv6', address: compressIpv6(groups), port };
}

/** RFC 5952 text form: the longest run of two or more zero groups becomes `::`. */
function compressIpv6(groups: readonly string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength && j - i >= 2) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** `address:port`, with brackets for IPv6. */
export function endpointText(endpoint: Endpoint): string {
  return endpoint.family === 'ipv6' ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}
