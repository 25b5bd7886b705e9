/**
 * Queueing delay the bulk window aims for, on top of the path's base round trip, while the
 * session also carries chat, call or control datagrams: they wait behind this queue.
 */
export const BULK_QUEUE_TARGET_MS = 4;
/**
 * The target while the session carries bulk alone: nothing but more of the same waits behind the
 * queue, so a deeper one keeps a fast path full (RFC 6817 allows up to 100 ms).
 */
export const BULK_ONLY_TARGET_MS = 10;
/** A non-bulk datagram this recent keeps the low target. */
export const INTERACTIVE_MEMORY_MS = 1000;
const MIN_SIZE = 8;
const MAX_SIZE = 1024;
const INITIAL_SIZE = 64;
/** The base round trip is re-learned this often (paths change). */
const BASE_RTT_WINDOW_MS = 10_000;

/**
 * How many bulk bytes may be in flight in one session, in units of a base-size datagram's payload
 * (BULK_UNIT_BYTES in outbound-flow.ts, so large path-MTU datagrams count for what they carry): delay-based (in the spirit of LEDBAT,
 * RFC 6817). Round trips are measured from the moment an event's datagrams leave until its ACK
 * is read, so they include the path's queues and the receiver's backlog. While the measured delay
 * stays within the target of the lowest round trip seen, the window grows; above it, it shrinks.
 * The target is {@link BULK_QUEUE_TARGET_MS} while chat, calls or control share the session, so
 * their datagrams never wait behind more than a few milliseconds of file chunks, and
 * {@link BULK_ONLY_TARGET_MS} for bulk alone, so a transfer fills the path. A reported loss cuts
 * it by a quarter, a retransmit timeout halves it.
 */
export class BulkWindow {
  #size = INITIAL_SIZE;
  #baseRtt = Number.POSITIVE_INFINITY;
  #baseSince = 0;
  #lastCut = 0;

  get size(): number {
    return Math.floor(this.#size);
  }

  /**
   * `count` bulk datagrams were acknowledged; `rttMs` is the newest clean sample (sent once), if
   * any; `interactiveAt` is when the session last sent a datagram that is not bulk.
   */
  onAck(count: number, rttMs: number | undefined, now: number, interactiveAt = Number.NEGATIVE_INFINITY): void {
    if (rttMs === undefined) return;
    if (now - this.#baseSince > BASE_RTT_WINDOW_MS) {
      this.#baseRtt = rttMs;
      this.#baseSince = now;
    } else if (rttMs < this.#baseRtt) {
      this.#baseRtt = rttMs;
    }
    const queueing = rttMs - this.#baseRtt;
    const target = now - interactiveAt < INTERACTIVE_MEMORY_MS ? BULK_QUEUE_TARGET_MS : BULK_ONLY_TARGET_MS;
    if (queueing > target) {
      // At most one cut per round trip: the samples that follow still show the old queue.
      if (now - this.#lastCut > rttMs) this.#cut(0.75, now);
      return;
    }
    const offTarget = (target - queueing) / target;
    this.#size = Math.min(MAX_SIZE, this.#size + (offTarget * count) / 2);
  }

  /** The receiver reported a bulk datagram missing (a queue somewhere overflowed). */
  onLoss(now: number): void {
    if (now - this.#lastCut < 10) return;
    this.#cut(0.75, now);
  }

  #cut(factor: number, now: number): void {
    this.#size = Math.max(MIN_SIZE, this.#size * factor);
    this.#lastCut = now;
  }

  /** A bulk event's retransmit timer fired. */
  onTimeout(now: number): void {
    if (now - this.#lastCut < 10) return;
    this.#cut(0.5, now);
  }
}
