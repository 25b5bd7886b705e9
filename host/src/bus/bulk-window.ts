/** Queueing delay the bulk window aims for, on top of the path's base round trip. */
export const BULK_QUEUE_TARGET_MS = 4;
const MIN_SIZE = 8;
const MAX_SIZE = 1024;
const INITIAL_SIZE = 64;
/** The base round trip is re-learned this often (paths change). */
const BASE_RTT_WINDOW_MS = 10_000;

/**
 * How many bulk datagrams may be in flight in one session: delay-based (in the spirit of LEDBAT,
 * RFC 6817). Round trips are measured from the moment an event's datagrams leave until its ACK
 * is read, so they include the path's queues and the receiver's backlog. While the measured delay
 * stays within {@link BULK_QUEUE_TARGET_MS} of the lowest round trip seen, the window grows;
 * above it, it shrinks. A chat or audio datagram therefore never waits behind more than a few
 * milliseconds of file chunks, and a transfer still fills an idle path. A reported loss cuts it
 * by a quarter, a retransmit timeout halves it.
 */
export class BulkWindow {
  #size = INITIAL_SIZE;
  #baseRtt = Number.POSITIVE_INFINITY;
  #baseSince = 0;
  #lastCut = 0;

  get size(): number {
    return Math.floor(this.#size);
  }

  /** `count` bulk datagrams were acknowledged; `rttMs` is the newest clean sample (sent once), if any. */
  onAck(count: number, rttMs: number | undefined, now: number): void {
    if (rttMs === undefined) return;
    if (now - this.#baseSince > BASE_RTT_WINDOW_MS) {
      this.#baseRtt = rttMs;
      this.#baseSince = now;
    } else if (rttMs < this.#baseRtt) {
      this.#baseRtt = rttMs;
    }
    const queueing = rttMs - this.#baseRtt;
    if (queueing > BULK_QUEUE_TARGET_MS) {
      // At most one cut per round trip: the samples that follow still show the old queue.
      if (now - this.#lastCut > rttMs) this.#cut(0.75, now);
      return;
    }
    const offTarget = (BULK_QUEUE_TARGET_MS - queueing) / BULK_QUEUE_TARGET_MS;
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
