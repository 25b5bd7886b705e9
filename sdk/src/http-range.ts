/**
 * The HTTP `Range` request header (RFC 9110 §14), parsed without side effects so an extension can
 * answer ranged requests itself or through {@link serveRanged}.
 */

/** One byte range, both ends inclusive (as in `Content-Range: bytes 0-499/1234`). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What a `Range` header asks of a representation of a known size:
 * - `full`: no Range, an invalid one (RFC 9110 says to ignore it), or one not worth honouring: 200.
 * - `partial`: the satisfiable ranges, in the order asked, clamped to the size: 206.
 * - `unsatisfiable`: valid syntax, but no range starts inside the content: 416.
 */
export type RangeRequest =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] }
  | { readonly kind: 'unsatisfiable' };

/** Longer headers are ignored (served in full): no player sends one. */
export const MAX_RANGE_HEADER_LENGTH = 1024;
/** More ranges than this in one header are ignored (served in full): they only multiply the work. */
export const MAX_RANGES = 16;

const FULL: RangeRequest = Object.freeze({ kind: 'full' });
const UNSATISFIABLE: RangeRequest = Object.freeze({ kind: 'unsatisfiable' });
const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;
/** Optional whitespace is spaces and tabs only (RFC 9110 §5.6.3), not every Unicode space. */
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Parse `header` (the value of `Range`, or undefined) for content of `size` bytes. Only the
 * `bytes` unit is known; every other unit, and every syntax error (`bytes=5-2`, `bytes=x`,
 * `bytes = 0-1`), means `full`. A suffix longer than the content means the whole content; an end
 * past it is clamped. Zero-length content is always served in full.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`parseRange: size must be a whole number of bytes, got ${size}`);
  if (typeof header !== 'string' || header.length > MAX_RANGE_HEADER_LENGTH) return FULL;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).replace(/^[ \t]+/, '').toLowerCase() !== 'bytes') return FULL;
  // A list may hold empty elements ("a, , b"), which a recipient must ignore (RFC 9110 §5.6.1).
  const specs = header.slice(equals + 1).split(',').map((spec) => spec.replace(OWS, '')).filter((spec) => spec !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return FULL;
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const range = INT_RANGE.exec(spec);
    const suffix = range ? undefined : SUFFIX_RANGE.exec(spec);
    if (range) {
      const first = BigInt(range[1]!);
      const last = range[2] === '' ? undefined : BigInt(range[2]!);
      if (last !== undefined && last < first) return FULL;
      if (first >= BigInt(size)) continue; // valid but unsatisfiable: dropped
      const end = last === undefined || last >= BigInt(size) ? size - 1 : Number(last);
      ranges.push({ start: Number(first), end });
    } else if (suffix) {
      const length = BigInt(suffix[1]!);
      if (length === 0n) continue;
      ranges.push({ start: length >= BigInt(size) ? 0 : size - Number(length), end: size - 1 });
    } else {
      return FULL;
    }
  }
  // Only a non-zero suffix is satisfiable on empty content; its answer is the (empty) whole.
  if (size === 0) return ranges.length > 0 ? FULL : UNSATISFIABLE;
  if (ranges.length === 0) return UNSATISFIABLE;
  return Object.freeze({ kind: 'partial', ranges: Object.freeze(ranges.map((r) => Object.freeze(r))) });
}

/**
 * Merge overlapping or touching ranges, in ascending order (RFC 9110 lets a server coalesce), so a
 * request for the same bytes many times costs no more than asking once.
 */
export function coalesceRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end + 1) merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}
