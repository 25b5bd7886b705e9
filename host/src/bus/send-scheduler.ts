import type { Priority } from '@kith/sdk';

/** Bulk frames sent per event-loop turn: small enough that chat and audio never wait behind a file. */
const BULK_BURST = 16;
/** Frames that may wait per class before unreliable ones are dropped (reliable ones are window-bounded). */
const MAX_QUEUED = 8192;

/**
 * Orders outgoing datagrams of one session: control before interactive before bulk. Control and
 * interactive frames go out synchronously when nothing of their class or above waits; bulk frames
 * go out in bursts of {@link BULK_BURST} per event-loop turn (setImmediate), so inbound frames,
 * timers and interactive sends get the loop between bursts.
 */
export class SendScheduler {
  readonly #send: (datagram: Uint8Array) => void;
  readonly #queues: [Uint8Array[], Uint8Array[], Uint8Array[]] = [[], [], []];
  #scheduled = false;
  #closed = false;
  /** Datagrams that could not be sent (link threw). */
  sendErrors = 0;

  constructor(send: (datagram: Uint8Array) => void) {
    this.#send = send;
  }

  /** Queue or send `datagram`. Returns false if it was dropped (queue full; only for `droppable`). */
  push(priority: Priority, datagram: Uint8Array, droppable = false): boolean {
    if (this.#closed) return false;
    const rank = priority === 'control' ? 0 : priority === 'interactive' ? 1 : 2;
    if (rank < 2 && this.#queues[0].length === 0 && (rank === 0 || this.#queues[1].length === 0)) {
      this.#transmit(datagram);
      return true;
    }
    const queue = this.#queues[rank]!;
    if (droppable && queue.length >= MAX_QUEUED) return false;
    queue.push(datagram);
    this.#schedule();
    return true;
  }

  /** Frames waiting in the bulk class. */
  get bulkQueued(): number {
    return this.#queues[2].length;
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
      for (const datagram of queue) this.#transmit(datagram);
      queue.length = 0;
    }
    const burst = bulk.splice(0, BULK_BURST);
    for (const datagram of burst) this.#transmit(datagram);
    if (bulk.length > 0) this.#schedule();
  }

  #transmit(datagram: Uint8Array): void {
    try {
      this.#send(datagram);
    } catch {
      this.sendErrors++;
    }
  }
}
