/**
 * An adaptive jitter buffer for the call's audio (pure logic, no DOM, so Node tests drive it).
 * NetEq's idea, simplified: the target delay is a high percentile (95th) of the observed arrival
 * delay above the fastest frame's, over the frames of the last 3 s (at least the last 50, at most
 * 200: a count alone would span many seconds of a call with pauses, and keep a call's start-up
 * burst in the estimate long after), clamped to 20–200 ms, instead of a fixed size. Frame `seq` is
 * due at `base + seq × frameMs + target`, where `base` is the earliest arrival offset among those
 * frames: a sliding minimum, so a sender whose frame clock runs a
 * little fast or slow against ours (capture devices do) moves the baseline with it instead of
 * inflating every delay (fast) or making every frame late (slow). The playout loop calls
 * `pop(now)` once per frame interval and gets the frame, a `missing` (conceal it: Opus PLC/FEC)
 * when its time came without it, or `wait`.
 *
 * A slot due without its frame is reported missing at once only when a later frame has arrived (the
 * frame is lost or overtaken); otherwise the buffer waits {@link GRACE_MS} from the first time it
 * saw the slot due and empty. A page whose main thread stalled for 100 ms has the frames of that
 * stall queued behind the playout timer: concealing them at once would turn a stall into a gap,
 * and the frames into "late".
 */
export const MIN_TARGET_MS = 20;
export const MAX_TARGET_MS = 200;
const HISTORY = 200;
const HISTORY_MS = 3_000;
const MIN_HISTORY = 50;
const PERCENTILE = 0.95;
/** How long a due slot waits for its frame when no later frame has arrived. */
export const GRACE_MS = 20;

/** A slot the playout may take: its frame, or `missing`; `dueMs` is when the slot is due to play (the clock of `pop`). */
export type Playout =
  | { readonly kind: 'frame'; readonly seq: number; readonly frame: Uint8Array; readonly dueMs: number }
  | { readonly kind: 'missing'; readonly seq: number; readonly dueMs: number }
  | { readonly kind: 'wait' };

export class JitterBuffer {
  private readonly frames = new Map<number, Uint8Array>();
  /** `arrival − seq × frameMs` of the recent arrivals with their arrival times, oldest first. */
  private readonly offsets: number[] = [];
  private readonly arrivals: number[] = [];
  private base = Number.POSITIVE_INFINITY;
  private next: number | undefined;
  private newest: number | undefined;
  /** The slot found due and empty, and when it was first found so. */
  private waiting: { seq: number; since: number } | undefined;
  readonly stats = { received: 0, played: 0, concealed: 0, late: 0, duplicate: 0 };

  constructor(private readonly frameMs = 20) {}

  private target = MIN_TARGET_MS;

  /** The delay the buffer aims at now (ms). */
  get targetMs(): number {
    return this.target;
  }

  /** The next sequence number the playout will ask for (undefined before the first frame). */
  get nextSeq(): number | undefined {
    return this.next;
  }

  push(seq: number, arrivalMs: number, frame: Uint8Array): void {
    if (this.frames.has(seq)) {
      this.stats.duplicate++;
      return;
    }
    // Every arrival teaches the delay estimate, a late one most of all.
    this.learn(seq, arrivalMs);
    if (this.next !== undefined && seq < this.next) {
      this.stats.late++;
      return;
    }
    this.stats.received++;
    this.frames.set(seq, frame);
    this.next ??= seq;
    if (this.newest === undefined || seq > this.newest) this.newest = seq;
  }

  private learn(seq: number, arrivalMs: number): void {
    this.offsets.push(arrivalMs - seq * this.frameMs);
    this.arrivals.push(arrivalMs);
    while (this.offsets.length > HISTORY || (this.offsets.length > MIN_HISTORY && arrivalMs - this.arrivals[0]! > HISTORY_MS)) {
      this.offsets.shift();
      this.arrivals.shift();
    }
    const sorted = [...this.offsets].sort((a, b) => a - b);
    this.base = sorted[0]!;
    const high = sorted[Math.min(sorted.length - 1, Math.floor(PERCENTILE * sorted.length))]! - this.base;
    this.target = Math.min(MAX_TARGET_MS, Math.max(MIN_TARGET_MS, high + this.frameMs / 2));
  }

  pop(nowMs: number): Playout {
    const seq = this.next;
    if (seq === undefined) return { kind: 'wait' };
    const due = this.base + seq * this.frameMs + this.targetMs;
    if (nowMs < due) return { kind: 'wait' };
    const frame = this.frames.get(seq);
    if (!frame && !(this.newest! > seq)) {
      if (this.waiting?.seq !== seq) this.waiting = { seq, since: nowMs };
      if (nowMs < this.waiting.since + GRACE_MS) return { kind: 'wait' };
    }
    this.next = seq + 1;
    if (!frame) {
      this.stats.concealed++;
      return { kind: 'missing', seq, dueMs: due };
    }
    this.frames.delete(seq);
    this.stats.played++;
    return { kind: 'frame', seq, frame, dueMs: due };
  }
}
