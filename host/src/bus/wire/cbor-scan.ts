import { KithError } from '@kith/sdk';

/** Bounds for a CBOR header from the network; checked before cbor-x sees a byte. */
export interface CborLimits {
  /** Deepest nesting of arrays/maps (the top-level map is depth 1). */
  readonly maxDepth: number;
  /** Most data items in total (keys and values count one each). */
  readonly maxItems: number;
}

export const HEADER_CBOR_LIMITS: CborLimits = { maxDepth: 8, maxItems: 512 };

interface Cursor {
  readonly bytes: Uint8Array;
  readonly limits: CborLimits;
  pos: number;
  items: number;
}

/**
 * Walk `bytes` as one CBOR data item without building values, and refuse anything a bus header
 * never needs: tags (cbor-x maps some to constructors and records), indefinite lengths, undefined
 * and unassigned simple values, non-text map keys, nesting deeper than `maxDepth`, more than
 * `maxItems` items, trailing bytes. Every length is checked against the bytes left before use.
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = HEADER_CBOR_LIMITS): void {
  const cursor: Cursor = { bytes, limits, pos: 0, items: 0 };
  scanItem(cursor, 0, false);
  if (cursor.pos !== bytes.length) fail(cursor, 'trailing bytes');
}

function fail(cursor: Cursor, why: string): never {
  throw new KithError('KITH_ERR_BAD_FRAME', `Bad CBOR header: ${why} at byte ${cursor.pos}`);
}

/** The argument of the head whose additional info is `info`; moves past it. */
function readArgument(cursor: Cursor, info: number): number {
  if (info < 24) return info;
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0) fail(cursor, info === 31 ? 'indefinite length' : `reserved additional info ${info}`);
  if (cursor.pos + size > cursor.bytes.length) fail(cursor, 'truncated');
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + cursor.bytes[cursor.pos + i]!;
  cursor.pos += size;
  return value;
}

function scanItem(cursor: Cursor, depth: number, isKey: boolean): void {
  const { bytes, limits } = cursor;
  if (++cursor.items > limits.maxItems) fail(cursor, 'too many items');
  if (cursor.pos >= bytes.length) fail(cursor, 'truncated');
  const initial = bytes[cursor.pos++]!;
  const major = initial >> 5;
  const info = initial & 0x1f;
  if (isKey && major !== 3) fail(cursor, 'map key is not a text string');
  switch (major) {
    case 0:
    case 1:
      readArgument(cursor, info);
      return;
    case 2:
    case 3: {
      const length = readArgument(cursor, info);
      if (length > bytes.length - cursor.pos) fail(cursor, 'string longer than the header');
      cursor.pos += length;
      return;
    }
    case 4:
    case 5: {
      if (depth + 1 > limits.maxDepth) fail(cursor, 'nested too deep');
      const count = readArgument(cursor, info);
      if (count > limits.maxItems) fail(cursor, 'too many items');
      for (let i = 0; i < count; i++) {
        if (major === 5) scanItem(cursor, depth + 1, true);
        scanItem(cursor, depth + 1, false);
      }
      return;
    }
    case 6:
      fail(cursor, 'tags are not allowed');
    // eslint-disable-next-line no-fallthrough
    default: {
      // major 7: false/true/null, half/single/double floats.
      if (info === 20 || info === 21 || info === 22) return;
      if (info === 25 || info === 26 || info === 27) {
        const size = info === 25 ? 2 : info === 26 ? 4 : 8;
        if (cursor.pos + size > bytes.length) fail(cursor, 'truncated');
        cursor.pos += size;
        return;
      }
      fail(cursor, `simple value ${info} is not allowed`);
    }
  }
}
