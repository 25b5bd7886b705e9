/**
 * The wire between an extension's `ctx.storage` and the host that owns the SQLite file. Only plain
 * data crosses it (structured-clone-able: kysely's operation-node tree, values, rows), so the same
 * channel works in the host's process and over IPC. The host validates every tree against an
 * allow-list, confines it to the extension's tables and the persona's rows, compiles and runs it.
 */

/** A transaction the host holds open for this extension; its number names it on the channel. */
export type StorageTransactionId = number;

/** What one statement returned: rows as plain objects, counts for writes. */
export interface StorageResult {
  readonly rows: readonly Record<string, unknown>[];
  readonly numAffectedRows?: bigint;
  readonly insertId?: bigint;
}

/** The host side of an extension's storage, as the SDK's kysely driver calls it. */
export interface StorageChannel {
  /** Run one kysely operation-node tree (`compiledQuery.query`), inside `transaction` if given. */
  execute(tree: unknown, transaction?: StorageTransactionId): Promise<StorageResult>;
  /**
   * Open a transaction. With `migration`, it may also change the schema and, on commit, records
   * that migration as done; `alreadyDone` says another run recorded it first (commit nothing then).
   */
  begin(options?: { readonly migration?: string }): Promise<{ readonly id: StorageTransactionId; readonly alreadyDone: boolean }>;
  commit(transaction: StorageTransactionId): Promise<void>;
  rollback(transaction: StorageTransactionId): Promise<void>;
  /** Names of this extension's migrations already recorded. */
  migrationsDone(): Promise<readonly string[]>;
}
