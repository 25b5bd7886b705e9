import type Sqlite from 'better-sqlite3';

/** How often a waiting write looks again (only while an extension holds a transaction open). */
const POLL_MS = 2;

/**
 * The host has one SQLite connection, and an extension's `db.transaction()` holds a transaction
 * open on it across awaits (host-storage-channel.ts). A write made meanwhile would join that
 * transaction, and its rollback would undo it: a sent event's seq would be used again (the friend
 * drops the next one as a duplicate), a received event's mark would vanish after its ACK. kysely's
 * queries already queue behind the transaction; the writes the bus makes with its own statements
 * go through {@link later} instead whenever {@link mustWait} says so.
 */
export class ForeignTransactions {
  readonly #sqlite: Sqlite.Database;
  #chain: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  constructor(sqlite: Sqlite.Database) {
    this.#sqlite = sqlite;
  }

  /** A write now would join another's transaction, or would overtake writes already waiting. */
  get mustWait(): boolean {
    return this.#waiting > 0 || this.#sqlite.inTransaction;
  }

  /**
   * Run `write` once no transaction is open, after the writes that waited before it (in the order
   * they came). It runs synchronously at a moment the connection is free, so nothing can begin a
   * transaction between the check and the write.
   */
  later<T>(write: () => T): Promise<T> {
    this.#waiting++;
    const run = this.#chain.then(async () => {
      while (this.#sqlite.inTransaction) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      this.#waiting--;
      return write();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
