import type Sqlite from 'better-sqlite3';

/** Most reports kept for one extension of one persona while it is not there to take them. */
export const MAX_STORED_REPORTS = 10_000;
const PRUNE_EVERY = 1024;

/** One stored report, still sealed. */
export interface StoredReportRow {
  readonly id: number;
  readonly sealed: Uint8Array;
}

/**
 * The `bus_reports` table (migration 005): delivery reports written in the same transaction that
 * deletes their queue rows, removed once the extension's handler ran. Synchronous statements, so
 * a caller can put {@link add} inside its own transaction.
 */
export class ReportOutbox {
  readonly #insert: Sqlite.Statement;
  readonly #pending: Sqlite.Statement;
  readonly #remove: Sqlite.Statement;
  readonly #prune: Sqlite.Statement;
  readonly #removeMany: (ids: readonly number[]) => void;
  #inserted = 0;


  constructor(sqlite: Sqlite.Database) {
    this.#insert = sqlite.prepare('INSERT INTO bus_reports (persona, extension_id, sealed, created_at) VALUES (?, ?, ?, ?)');
    this.#pending = sqlite.prepare('SELECT id, sealed FROM bus_reports WHERE persona = ? AND extension_id = ? AND id > ? ORDER BY id LIMIT ?');
    this.#remove = sqlite.prepare('DELETE FROM bus_reports WHERE id = ?');
    // An extension that stays off (or never listens) must not grow the file without end: keep its newest.
    this.#prune = sqlite.prepare(
      `DELETE FROM bus_reports WHERE id IN (
         SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY persona, extension_id ORDER BY id DESC) AS n FROM bus_reports)
         WHERE n > ?)`,
    );
    this.#removeMany = sqlite.transaction((ids: readonly number[]) => {
      for (const id of ids) this.#remove.run(id);
    });
    this.#prune.run(MAX_STORED_REPORTS);
  }

  /** Store a sealed report; call inside the transaction that deleted its queue row. */
  add(persona: string, extensionId: string, sealed: Uint8Array, now = Date.now()): number {
    if (++this.#inserted % PRUNE_EVERY === 0) this.#prune.run(MAX_STORED_REPORTS);
    return Number(this.#insert.run(persona, extensionId, sealed, now).lastInsertRowid);
  }

  /** Up to `limit` stored reports of one extension, oldest first, after row `afterId`. */
  pending(persona: string, extensionId: string, afterId = 0, limit = 500): StoredReportRow[] {
    return (this.#pending.all(persona, extensionId, afterId, limit) as StoredReportRow[]).map((r) => ({ id: r.id, sealed: new Uint8Array(r.sealed) }));
  }

  /** The extension handled these reports: forget them (one transaction). */
  remove(ids: readonly number[]): void {
    // A report a power cut brings back is handed out again: listeners take reports at least once.
    if (ids.length > 0) this.#removeMany(ids);
  }
}
