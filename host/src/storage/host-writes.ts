import type Sqlite from 'better-sqlite3';
import type { WalSync } from './wal-sync.js';

/** How often a waiting write looks again (only while an extension holds a transaction open). */
const POLL_MS = 2;

/** Someone holding the connection in a transaction, and how long the host's writes wait for it. */
export interface ConnectionHolder {
  readonly patienceMs: number;
  /** End the transaction (roll it back): the host's writes have waited for it long enough. */
  preempt(): void;
}

/**
 * The rules for the host's own writes (the bus's prepared statements) on the one SQLite connection
 * it shares with extensions. Every such write goes through here, so the two rules live in one place:
 *
 * - **Not inside an extension's transaction.** An extension's `db.transaction()` holds a
 *   transaction open across awaits (host-storage-channel.ts). A write made meanwhile would join it,
 *   and its rollback would undo the write: a sent event's seq would be used again (the friend drops
 *   the next one as a duplicate), a received event's mark would vanish after its ACK. kysely's
 *   queries already queue behind the transaction; {@link run} and {@link soon} make the host's
 *   wait too, in the order they came.
 * - **No commit waits for the disk on the event loop; what is promised to a peer waits for it
 *   off it.** The database commits with `synchronous = NORMAL` and syncs the WAL in batches on the
 *   thread pool (wal-sync.ts): every commit is on disk within 100 ms, and {@link durable}
 *   resolves once every commit before it is. A power cut takes a suffix of the commits, never a
 *   middle, so what survives is a state the host once had; the bus waits for {@link durable}
 *   before an ACK or refusal tells the sender its event is stored.
 * - **The host's writes do not wait for ever.** A holder registered with {@link hold} (an
 *   extension's transaction) that keeps a host write waiting past its patience is rolled back, and
 *   a new one begins only after the waiting writes ({@link whenNoneWaiting}): an extension that
 *   holds transactions back to back, busy or idle, cannot stop the bus.
 */
export class HostWrites {
  readonly #sqlite: Sqlite.Database;
  #chain: Promise<unknown> = Promise.resolve();
  #waiting = 0;
  readonly #holders = new Set<ConnectionHolder>();

  readonly #walSync: WalSync;

  constructor(sqlite: Sqlite.Database, walSync: WalSync) {
    this.#sqlite = sqlite;
    this.#walSync = walSync;
  }

  /** Resolves once every commit made before the call is on disk (see the class comment). */
  durable(): Promise<void> {
    return this.#walSync.durable();
  }

  /** A write now would join another's transaction, or would overtake writes already waiting. */
  get mustWait(): boolean {
    return this.#waiting > 0 || this.#sqlite.inTransaction;
  }

  /** `write` now when the connection is free (its result), else once it is (a promise of it). */
  run<T>(write: () => T): T | Promise<T> {
    return this.mustWait ? this.later(write) : write();
  }

  /** {@link run} for a write nobody waits on: a failure goes to `failed`, not to the caller. */
  soon(write: () => unknown, failed: (error: unknown) => void): void {
    if (!this.mustWait) {
      try {
        write();
      } catch (error) {
        failed(error);
      }
      return;
    }
    this.later(write).catch(failed);
  }

  /**
   * Run `write` once no transaction is open, after the writes that waited before it. It runs
   * synchronously at a moment the connection is free, so nothing can begin a transaction between
   * the check and the write.
   */
  later<T>(write: () => T): Promise<T> {
    this.#waiting++;
    const run = this.#chain.then(async () => {
      const since = performance.now();
      while (this.#sqlite.inTransaction) {
        this.#preemptOverdue(performance.now() - since);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      this.#waiting--;
      return write();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Register a transaction holder (see the class comment); the returned function unregisters it. */
  hold(holder: ConnectionHolder): () => void {
    this.#holders.add(holder);
    return () => this.#holders.delete(holder);
  }

  /** Resolves once no host write waits: a transaction about to begin lets them go first. */
  async whenNoneWaiting(): Promise<void> {
    while (this.#waiting > 0) await this.#chain;
  }

  #preemptOverdue(waitedMs: number): void {
    for (const holder of this.#holders) {
      if (waitedMs < holder.patienceMs) continue;
      this.#holders.delete(holder);
      holder.preempt();
    }
  }

}
