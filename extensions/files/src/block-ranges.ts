/**
 * Sets of block indexes as sorted, disjoint half-open ranges `[start, end)`: what a receiver has,
 * what a sender still owes. Compact on the wire (a resume of a 1 GiB file with three holes is a
 * few bytes) and cheap to update one block at a time.
 */

/** `[start, end)`: blocks start .. end-1. */
export type BlockRange = readonly [number, number];

/** Most ranges one event carries (3 CBOR items each, under the header limit of 512 items). */
export const MAX_RANGES_PER_EVENT = 128;

const MAX_INDEX = 2 ** 40;

/** A peer's ranges: sorted, disjoint, non-empty, whole numbers, at most {@link MAX_RANGES_PER_EVENT}. */
export function isBlockRanges(value: unknown): value is BlockRange[] {
  if (!Array.isArray(value) || value.length > MAX_RANGES_PER_EVENT) return false;
  let last = -1;
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2) return false;
    const [start, end] = range as unknown[];
    if (typeof start !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return false;
    if (start <= last || end <= start || end > MAX_INDEX) return false;
    last = end;
  }
  return true;
}

export class BlockSet {
  private ranges: [number, number][] = [];

  static of(ranges: readonly BlockRange[]): BlockSet {
    const set = new BlockSet();
    for (const [start, end] of ranges) set.addRange(start, end);
    return set;
  }

  /** Every block of `[0, count)` not in `have`. */
  static missing(count: number, have: BlockSet): BlockSet {
    const set = new BlockSet();
    let at = 0;
    for (const [start, end] of have.ranges) {
      if (start >= count) break;
      if (start > at) set.ranges.push([at, start]);
      at = Math.max(at, end);
    }
    if (at < count) set.ranges.push([at, count]);
    return set;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** Blocks in the set. */
  get size(): number {
    let total = 0;
    for (const [start, end] of this.ranges) total += end - start;
    return total;
  }

  has(index: number): boolean {
    const i = this.indexAfter(index) - 1;
    return i >= 0 && this.ranges[i]![1] > index;
  }

  add(index: number): void {
    this.addRange(index, index + 1);
  }

  addRange(start: number, end: number): void {
    if (end <= start) return;
    const merged: [number, number][] = [];
    let placed = false;
    for (const range of this.ranges) {
      if (range[1] < start) merged.push(range);
      else if (range[0] > end) {
        if (!placed) merged.push([start, end]), (placed = true);
        merged.push(range);
      } else {
        start = Math.min(start, range[0]);
        end = Math.max(end, range[1]);
      }
    }
    if (!placed) merged.push([start, end]);
    this.ranges = merged;
  }

  removeRange(start: number, end: number): void {
    const kept: [number, number][] = [];
    for (const [a, b] of this.ranges) {
      if (b <= start || a >= end) kept.push([a, b]);
      else {
        if (a < start) kept.push([a, start]);
        if (b > end) kept.push([end, b]);
      }
    }
    this.ranges = kept;
  }

  remove(index: number): void {
    this.removeRange(index, index + 1);
  }

  /** The lowest block, or undefined when empty. */
  first(): number | undefined {
    return this.ranges[0]?.[0];
  }

  /** The lowest block at or after `from`, wrapping to the lowest one; undefined when empty. */
  nextFrom(from: number): number | undefined {
    const i = this.indexAfter(from) - 1;
    if (i >= 0 && this.ranges[i]![1] > from) return from;
    return this.ranges[i + 1]?.[0] ?? this.first();
  }

  /** The first range starting at or containing `index` ... up to `limit` blocks from it. */
  runFrom(index: number, limit: number): BlockRange | undefined {
    const i = this.indexAfter(index) - 1;
    if (i < 0 || this.ranges[i]![1] <= index) return undefined;
    return [index, Math.min(this.ranges[i]![1], index + limit)];
  }

  toArray(): BlockRange[] {
    return this.ranges.map(([a, b]) => [a, b] as const);
  }

  /** The set in pieces of at most {@link MAX_RANGES_PER_EVENT} ranges, one per event. */
  pieces(): BlockRange[][] {
    const all = this.toArray();
    const out: BlockRange[][] = [];
    for (let i = 0; i < all.length; i += MAX_RANGES_PER_EVENT) out.push(all.slice(i, i + MAX_RANGES_PER_EVENT));
    return out;
  }

  /** Index of the first range whose start is > index. */
  private indexAfter(index: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]![0] <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
