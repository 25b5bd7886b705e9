import type { Priority } from '@kith/sdk';

/**
 * Bulk bytes sent per event-loop turn (32 base-size datagrams; at least one datagram): enough to
 * keep a fast path busy, few enough that the turn stays well under a millisecond, so inbound
 * frames, timers and interactive sends get the loop between bursts. Counted in bytes, so larger
 * datagrams (path MTU) do not make a turn 50 times longer.
 */
const BULK_BURST_BYTES = 32 * 1232;
/**
 * One datagram as the bus hands it to its link: whole, or a small head plus a view of a larger
 * buffer (a fragment of an encoded event), which the link joins while sealing.
 */
export type Datagram = Uint8Array | DatagramParts;
export interface DatagramParts {
  readonly head: Uint8Array;
  readonly tail: Uint8Array;
}

/** Plaintext bytes of one datagram as the link gets it. */
export function datagramBytes(datagram: Datagram): number {
  return datagram instanceof Uint8Array ? datagram.length : datagram.head.length + datagram.tail.length;
}

/** Frames that may wait per class before unreliable ones are dropped (reliable ones are window-bounded). */
const MAX_QUEUED = 8192;

/**
 * Where fresh bulk datagrams come from: the session's outbound flow, which releases them only
 * while its bulk window has room, so a bulk event's round trip is timed from the moment it
 * really leaves.
 */
export interface BulkSource {
  /** True when it has a datagram it may send now. */
  readonly bulkReady: boolean;
  /** Send about `budget` bytes now through {@link SendScheduler.transmit} (whole events); returns the bytes that went. */
  pullBulk(budget: number): number;
}

/**
 * Orders outgoing datagrams of one session: control before interactive before bulk. Control and
 * interactive frames go out synchronously when nothing of their class or above waits; bulk goes
 * out in bursts of {@link BULK_BURST_BYTES} per event-loop turn (setImmediate): first queued bulk
 * datagrams (retransmits, unreliable bulk), then fresh ones pulled from the {@link BulkSource}.
 */
export class SendScheduler {
  readonly #send: (head: Uint8Array, tail?: Uint8Array) => void;
  readonly #queues: [Datagram[], Datagram[], Datagram[]] = [[], [], []];
  #source: BulkSource | undefined;
  #scheduled = false;
  #closed = false;
  /** performance.now() of the last control or interactive datagram (see BulkWindow's targets). */
  interactiveAt = Number.NEGATIVE_INFINITY;
  /** Datagrams that could not be sent (link threw). */
  sendErrors = 0;

  constructor(send: (head: Uint8Array, tail?: Uint8Array) => void) {
    this.#send = send;
  }

  /** The source of fresh bulk datagrams (set once, by the session's outbound flow). */
  set bulkSource(source: BulkSource) {
    this.#source = source;
  }

  /** Queue or send `datagram`. Returns false if it was dropped (queue full; only for `droppable`). */
  push(priority: Priority, datagram: Datagram, droppable = false): boolean {
    if (this.#closed) return false;
    const rank = priority === 'control' ? 0 : priority === 'interactive' ? 1 : 2;
    if (rank < 2) this.interactiveAt = performance.now();
    if (rank < 2 && this.#queues[0].length === 0 && (rank === 0 || this.#queues[1].length === 0)) {
      this.transmit(datagram);
      return true;
    }
    const queue = this.#queues[rank]!;
    if (droppable && queue.length >= MAX_QUEUED) return false;
    queue.push(datagram);
    this.#schedule();
    return true;
  }

  /** The bulk source has something to send: make sure a turn is coming. */
  wake(): void {
    this.#schedule();
  }

  /** Datagrams waiting in the bulk class (fresh ones still in the source are not counted). */
  get bulkQueued(): number {
    return this.#queues[2].length;
  }

  /** Send one datagram now; a link that throws counts a send error and never breaks the caller. */
  transmit(datagram: Datagram): void {
    try {
      if (datagram instanceof Uint8Array) this.#send(datagram);
      else this.#send(datagram.head, datagram.tail);
    } catch {
      this.sendErrors++;
    }
  }

  close(): void {
    this.#closed = true;
    for (const queue of this.#queues) queue.length = 0;
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    const [control, interactive, bulk] = this.#queues;
    for (const queue of [control, interactive]) {
      for (const datagram of queue) this.transmit(datagram);
      queue.length = 0;
    }
    let budget = BULK_BURST_BYTES;
    let taken = 0;
    while (taken < bulk.length && budget > 0) {
      const datagram = bulk[taken++]!;
      budget -= datagramBytes(datagram);
      this.transmit(datagram);
    }
    if (taken > 0) bulk.splice(0, taken);
    if (budget > 0 && this.#source?.bulkReady) this.#source.pullBulk(budget);
    if (bulk.length > 0 || this.#source?.bulkReady) this.#schedule();
  }
}
