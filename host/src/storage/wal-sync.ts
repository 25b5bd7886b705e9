import fs from 'node:fs';
import type Sqlite from 'better-sqlite3';

/** How often the connection is checked for commits nobody waited on (they are synced then). */
export const DURABLE_WITHIN_MS = 50;

/**
 * Group commit for the host's SQLite database. The connection commits with `synchronous = NORMAL`
 * (WAL frames are written, not fsynced: a killed process loses nothing, a power cut may lose the
 * newest commits, always a suffix, so what survives is a consistent prefix). This makes commits
 * durable in batches, on libuv's thread pool instead of the event loop: {@link durable} resolves
 * once every commit made before the call is on disk, and callers arriving while a sync runs share
 * the next one. Whoever is about to promise a peer something stored (the bus's ACKs) waits on it;
 * every other commit is synced at the next check, {@link DURABLE_WITHIN_MS} apart, so a power cut
 * takes at most the last ~100 ms of them.
 */
export class WalSync {
  readonly #walFile: string;
  readonly #failed: (error: unknown) => void;
  #fd: number | undefined;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  /** Commits made since the last sync began. */
  readonly #sqlite: Sqlite.Database;
  readonly #totalChanges: Sqlite.Statement;
  /** Rows changed on the connection when the last sync began (-1: a transaction was open then). */
  #synced: number;
  readonly #timer: NodeJS.Timeout;
  #stopping = false;
  #closed = false;

  /** `failed`: where a background sync's error goes (a waiting caller gets it as a rejection). */
  constructor(sqlite: Sqlite.Database, walFile: string, failed: (error: unknown) => void) {
    this.#sqlite = sqlite;
    this.#walFile = walFile;
    this.#failed = failed;
    // Every writer shares the one connection (host stores, the bus's statements, extensions), so
    // its change counter sees all their commits without each having to report them.
    this.#totalChanges = sqlite.prepare('SELECT total_changes()').pluck();
    this.#synced = this.#changes();
    this.#timer = setInterval(() => {
      try {
        // Inside a transaction its rows count before its commit: wait for the commit.
        if (!this.#stopping && !sqlite.inTransaction && this.#changes() !== this.#synced) this.durable().catch(this.#failed);
      } catch (error) {
        this.#failed(error);
      }
    }, DURABLE_WITHIN_MS);
    this.#timer.unref();
  }

  /** Resolves once every commit made before this call is on disk. */
  durable(): Promise<void> {
    if (this.#closed && !this.#running) return Promise.resolve();
    // A sync already queued starts after this call: it covers it.
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    // The running sync may have begun before this caller's commit: queue one more.
    const next = this.#running.catch(() => undefined).then(() => {
      this.#next = undefined;
      return this.#start();
    });
    this.#next = next;
    return next;
  }

  /** Sync what is left, then stop (the database closes next, and its close checkpoints the rest). */
  async close(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    try {
      if (this.#changes() !== this.#synced || this.#running || this.#next) await this.durable();
    } finally {
      this.#closed = true;
      if (this.#fd !== undefined) fs.closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  #start(): Promise<void> {
    // What this sync covers; a transaction still open then has its commit synced later.
    this.#synced = this.#sqlite.inTransaction ? -1 : this.#changes();
    const run = this.#sync().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  #changes(): number {
    return this.#totalChanges.get() as number;
  }

  async #sync(): Promise<void> {
    const fd = this.#walFd();
    if (fd === undefined) return;
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * The WAL's descriptor, opened at the first sync after a commit created the file, read-only
   * (fdatasync needs no write access, and SQLite keeps no POSIX locks on the WAL that another
   * descriptor's close could drop). SQLite removes the WAL only when its last connection closes,
   * after {@link close}, so the descriptor stays the file's.
   */
  #walFd(): number | undefined {
    if (this.#fd !== undefined || this.#closed) return this.#fd;
    try {
      this.#fd = fs.openSync(this.#walFile, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return this.#fd;
  }
}
