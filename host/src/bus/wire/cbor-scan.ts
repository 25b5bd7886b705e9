import { KithError } from '@kith/sdk';

/** Bounds for a CBOR header from the network; checked before cbor-x sees a byte. */
export interface CborLimits {
  /** Deepest nesting of arrays/maps (the top-level map is depth 1). */
  readonly maxDepth: number;
  /** Most data items in total (keys and values count one each). */
  readonly maxItems: number;
}

export const HEADER_CBOR_LIMITS: CborLimits = { maxDepth: 8, maxItems: 512 };

/**
 * Walk `bytes` as one CBOR data item without building values, and refuse anything a bus header
 * never needs: tags (cbor-x maps some to constructors and records), indefinite lengths, undefined
 * and unassigned simple values, non-text map keys, nesting deeper than `maxDepth`, more than
 * `maxItems` items, trailing bytes. Every length is checked against the bytes left before use.
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = HEADER_CBOR_LIMITS): void {
  let pos = 0;
  let items = 0;

  const fail = (why: string): never => {
    throw new KithError('KITH_ERR_BAD_FRAME', `Bad CBOR header: ${why} at byte ${pos}`);
  };

  // Returns the argument of the head at `pos` and moves past it.
  const readArgument = (info: number): number => {
    if (info < 24) return info;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) fail(info === 31 ? 'indefinite length' : `reserved additional info ${info}`);
    if (pos + size > bytes.length) fail('truncated');
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + bytes[pos + i]!;
    pos += size;
    return value;
  };

  const item = (depth: number, isKey: boolean): void => {
    if (++items > limits.maxItems) fail('too many items');
    if (pos >= bytes.length) fail('truncated');
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (isKey && major !== 3) fail('map key is not a text string');
    switch (major) {
      case 0:
      case 1:
        readArgument(info);
        return;
      case 2:
      case 3: {
        const length = readArgument(info);
        if (length > bytes.length - pos) fail('string longer than the header');
        pos += length;
        return;
      }
      case 4:
      case 5: {
        if (depth + 1 > limits.maxDepth) fail('nested too deep');
        const count = readArgument(info);
        if (count > limits.maxItems) fail('too many items');
        for (let i = 0; i < count; i++) {
          if (major === 5) item(depth + 1, true);
          item(depth + 1, false);
        }
        return;
      }
      case 6:
        fail('tags are not allowed');
        return;
      default: {
        // major 7: false/true/null, half/single/double floats.
        if (info === 20 || info === 21 || info === 22) return;
        if (info === 25 || info === 26 || info === 27) {
          const size = info === 25 ? 2 : info === 26 ? 4 : 8;
          if (pos + size > bytes.length) fail('truncated');
          pos += size;
          return;
        }
        fail(`simple value ${info} is not allowed`);
      }
    }
  };

  item(0, false);
  if (pos !== bytes.length) fail('trailing bytes');
}
