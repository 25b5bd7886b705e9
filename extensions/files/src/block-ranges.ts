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

/** The first `limit` blocks of sorted, disjoint `ranges`, as ranges (the last one cut short). */
export function clipRanges(ranges: readonly BlockRange[], limit: number): BlockRange[] {
  const out: BlockRange[] = [];
  let left = limit;
  for (const [a, b] of ranges) {
    if (left <= 0) break;
    const end = Math.min(b, a + left);
    out.push([a, end]);
    left -= end - a;
  }
  return out;
}

/** `ranges` without their first `count` blocks. */
export function skipRanges(ranges: readonly BlockRange[], count: number): BlockRange[] {
  const out: BlockRange[] = [];
  let left = count;
  for (const [a, b] of ranges) {
    if (left >= b - a) {
      left -= b - a;
      continue;
    }
    out.push([a + left, b]);
    left = 0;
  }
  return out;
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

  /** Adds `[start, end)`: a binary search and one splice (no copy of the whole set per insert). */
  addRange(start: number, end: number): void {
    if (end <= start) return;
    const ranges = this.ranges;
    // Ranges that touch or overlap [start, end) merge with it: the first ends at or after start.
    const lo = this.firstEndingAtOrAfter(start);
    const last = ranges[ranges.length - 1];
    if (lo === ranges.length) {
      ranges.push([start, end]);
      return;
    }
    const first = ranges[lo]!;
    if (first[0] > end) {
      ranges.splice(lo, 0, [start, end]);
      return;
    }
    if (first[0] <= start && first[1] >= end) return; // already held
    let hi = lo + 1;
    if (last![0] <= end) hi = ranges.length;
    else while (hi < ranges.length && ranges[hi]![0] <= end) hi++;
    const merged: [number, number] = [Math.min(start, first[0]), Math.max(end, ranges[hi - 1]![1])];
    if (hi - lo === 1) ranges[lo] = merged;
    else ranges.splice(lo, hi - lo, merged);
  }

  /** Removes `[start, end)`: a binary search and one splice. */
  removeRange(start: number, end: number): void {
    if (end <= start) return;
    const ranges = this.ranges;
    const lo = this.firstEndingAfter(start);
    if (lo === ranges.length || ranges[lo]![0] >= end) return;
    let hi = this.indexAfter(end - 1);
    if (hi <= lo) hi = lo + 1;
    const kept: [number, number][] = [];
    const first = ranges[lo]!;
    const lastHit = ranges[hi - 1]!;
    if (first[0] < start) kept.push([first[0], start]);
    if (lastHit[1] > end) kept.push([end, lastHit[1]]);
    ranges.splice(lo, hi - lo, ...kept);
  }

  /** Ranges held. */
  get rangeCount(): number {
    return this.ranges.length;
  }

  /**
   * The parts of `[start, end)` in the set, at most `limit` ranges: a binary search, then only the
   * ranges that overlap (a peer's range over a set of many pieces costs what it returns).
   */
  overlap(start: number, end: number, limit = Number.POSITIVE_INFINITY): BlockRange[] {
    const out: BlockRange[] = [];
    if (end <= start) return out;
    for (let k = this.firstEndingAfter(start); k < this.ranges.length && out.length < limit; k++) {
      const [a, b] = this.ranges[k]!;
      if (a >= end) break;
      out.push([Math.max(a, start), Math.min(b, end)]);
    }
    return out;
  }

  /** The parts of `[start, end)` not in the set, at most `limit` ranges (the first ones). */
  gapsIn(start: number, end: number, limit = Number.POSITIVE_INFINITY): BlockRange[] {
    const out: BlockRange[] = [];
    if (end <= start) return out;
    let at = start;
    for (let k = this.firstEndingAfter(start); k < this.ranges.length && at < end && out.length < limit; k++) {
      const [a, b] = this.ranges[k]!;
      if (a >= end) break;
      if (a > at) out.push([at, a]);
      at = Math.max(at, b);
    }
    if (at < end && out.length < limit) out.push([at, end]);
    return out;
  }

  /** The first blocks of the set, `limit` of them at most, as ranges. */
  head(limit: number): BlockRange[] {
    return clipRanges(this.ranges, limit);
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

  /** Index of the first range whose end is >= index (it touches or holds index, or lies after it). */
  private firstEndingAtOrAfter(index: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]![1] < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first range whose end is > index (it holds index or lies after it). */
  private firstEndingAfter(index: number): number {
    return this.firstEndingAtOrAfter(index + 1);
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
