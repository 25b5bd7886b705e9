import type { EventFrame } from './wire/event-frame.js';

/** Reliable events accepted ahead of the next expected one, per stream and space. */
export const MAX_REORDER = 512;
/** A `missing` NACK for one seq is repeated at most this often. */
export const GAP_NACK_INTERVAL_MS = 50;
/** A refusal is repeated for a retransmitted event at most this often. */
export const REFUSAL_REPEAT_INTERVAL_MS = 1000;
/** Refusals remembered per stream (and stored, for durable streams). */
export const MAX_REMEMBERED_REFUSALS = 64;
/** How long ACKs of a stream repeat a refusal (covers lost NACKs; the sender ignores repeats). */
export const REFUSALS_IN_ACK_MS = 10_000;

/** A refusal the receiver remembers, to repeat it if the sender retransmits the event. */
export interface Refusal {
  readonly reason: string;
  readonly message: string;
}

/** A refusal as stored beside the high-water mark: when it happened in Unix ms (it survives a restart). */
export interface StoredRefusal extends Refusal {
  readonly seq: number;
  readonly refusedAt: number;
}

/** Dispatch outcome: do not consume the event now (no ACK, no NACK); the sender retransmits it. */
export const NOT_YET: Refusal = Object.freeze({ reason: 'not-yet', message: 'handler not registered yet' });

/** Out-of-order events all sessions may hold, in bytes. */
export const REORDER_BYTES = 32 << 20;
/** What one friend's sessions may hold of it: one friend cannot fill it for everyone. */
export const REORDER_BYTES_PER_PEER = 8 << 20;
/**
 * Charged per held event beside its bytes: the map entry and the receive state it keeps alive, so
 * one-byte events spread over many streams meet the bound as well as large ones.
 */
export const HELD_EVENT_COST = 1024;

/** Bytes of out-of-order events buffered; a friend's budget also charges the engine's. */
export class ReorderBudget {
  bytes = 0;
  constructor(
    readonly limit: number,
    readonly parent?: ReorderBudget,
  ) {}

  fits(size: number): boolean {
    return this.bytes + size <= this.limit && (this.parent?.fits(size) ?? true);
  }

  charge(size: number): void {
    this.bytes += size;
    this.parent?.charge(size);
  }
}

/** What holding `frame` costs against a budget. */
const heldCost = (frame: EventFrame) => frame.header.length + frame.payload.length + HELD_EVENT_COST;

/** Most streams per session with volatile receive state (each is small when idle). */
export const MAX_VOLATILE_STREAMS = 1024;

/**
 * Receive state of one stream in one sequence space: the high-water mark (everything at or below
 * it was consumed), the bounded reorder buffer of events above it, and the gap NACK bookkeeping.
 */
export class InboundStream {
  hwm: number;
  /** True while the handler for `hwm + 1` runs. */
  busy = false;
  readonly buffer = new Map<number, EventFrame>();
  readonly refused = new Map<number, Refusal & { readonly at: number }>();
  readonly #nackedAt = new Map<number, number>();
  readonly #refusalRepeatedAt = new Map<number, number>();
  #duplicateAckedAt = -Infinity;

  readonly #budget: ReorderBudget;

  constructor(hwm: number, budget: ReorderBudget) {
    this.hwm = hwm;
    this.#budget = budget;
  }

  /**
   * Hold `frame` until its turn; false when the budget is spent (the sender retransmits it). The
   * next event in order is always taken: it is delivered at once, so a full budget slows a
   * stream's reordering but never stops it.
   */
  hold(frame: EventFrame): boolean {
    const size = heldCost(frame);
    if (frame.seq !== this.hwm + 1 && !this.#budget.fits(size)) return false;
    this.#budget.charge(size);
    this.buffer.set(frame.seq, frame);
    return true;
  }

  /** Drop every held event and give its bytes back (session or persona gone). */
  clear(): void {
    for (const frame of this.buffer.values()) this.#budget.charge(-heldCost(frame));
    this.buffer.clear();
  }

  /** True when nothing runs or waits here, so the state can be dropped (and rebuilt from the mark). */
  get idle(): boolean {
    return !this.busy && this.buffer.size === 0;
  }

  /** Classify an arriving reliable seq. */
  classify(seq: number): 'duplicate' | 'too-far' | 'buffered' | 'new' {
    if (seq <= this.hwm || (this.busy && seq === this.hwm + 1)) return 'duplicate';
    if (seq > this.hwm + MAX_REORDER) return 'too-far';
    if (this.buffer.has(seq)) return 'buffered';
    return 'new';
  }

  /** Whether a duplicate gets an ACK now: one per {@link GAP_NACK_INTERVAL_MS} per stream. */
  mayAckDuplicate(now: number): boolean {
    if (now - this.#duplicateAckedAt < GAP_NACK_INTERVAL_MS) return false;
    this.#duplicateAckedAt = now;
    return true;
  }

  /** Whether a retransmit of refused `seq` gets its refusal again now (at most once per interval). */
  mayRepeatRefusal(seq: number, now: number): boolean {
    const last = this.#refusalRepeatedAt.get(seq);
    if (last !== undefined && now - last < REFUSAL_REPEAT_INTERVAL_MS) return false;
    this.#refusalRepeatedAt.set(seq, now);
    if (this.#refusalRepeatedAt.size > MAX_REMEMBERED_REFUSALS) this.#refusalRepeatedAt.delete(this.#refusalRepeatedAt.keys().next().value as number);
    return true;
  }

  /** Seqs between the next expected one and `seq` that are absent and not NACKed recently (≤ 64). */
  missingBefore(seq: number, now: number): number[] {
    const out: number[] = [];
    for (let s = this.hwm + (this.busy ? 2 : 1); s < seq && out.length < 64; s++) {
      if (this.buffer.has(s)) continue;
      const last = this.#nackedAt.get(s);
      if (last !== undefined && now - last < GAP_NACK_INTERVAL_MS) continue;
      this.#nackedAt.set(s, now);
      out.push(s);
    }
    return out;
  }

  /** The next event in order, removed from the buffer, or undefined. */
  takeNext(): EventFrame | undefined {
    const frame = this.buffer.get(this.hwm + 1);
    if (frame) {
      this.buffer.delete(this.hwm + 1);
      this.#budget.charge(-heldCost(frame));
    }
    return frame;
  }

  /** Refusals from before a restart: `refusedAt` is Unix ms, turned into this clock's time. */
  restoreRefusals(stored: readonly StoredRefusal[], now = performance.now(), wallNow = Date.now()): void {
    for (const { seq, reason, message, refusedAt } of stored) {
      this.refused.set(seq, { reason, message, at: now - Math.max(0, wallNow - refusedAt) });
    }
  }

  /** `hwm + 1` was consumed. */
  advance(refusal?: Refusal, now = performance.now()): void {
    this.hwm++;
    this.#nackedAt.delete(this.hwm);
    if (refusal) {
      this.refused.set(this.hwm, { ...refusal, at: now });
      if (this.refused.size > MAX_REMEMBERED_REFUSALS) this.refused.delete(this.refused.keys().next().value as number);
    }
  }

  /**
   * Refusals of the last {@link REFUSALS_IN_ACK_MS}, as `[seq, reason]` pairs for the ACK header:
   * a lost NACK must not let the cumulative ACK pass a refused event off as delivered.
   */
  recentRefusals(now = performance.now()): Array<[number, string]> | undefined {
    let out: Array<[number, string]> | undefined;
    for (const [seq, refusal] of this.refused) {
      if (now - refusal.at > REFUSALS_IN_ACK_MS) continue;
      (out ??= []).push([seq, refusal.reason]);
    }
    return out;
  }

}
