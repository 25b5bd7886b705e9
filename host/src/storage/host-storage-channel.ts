import { SqliteQueryCompiler, createQueryId, type CompiledQuery, type Kysely, type RootOperationNode, type Transaction } from 'kysely';
import { DAMAGED_DATABASE_MESSAGE, isDamagedDatabase } from './damaged-database.js';
import { isKithError, KithError, type StorageChannel, type StorageResult, type StorageTransactionId } from '@kith/sdk';
import type { Database } from './database.js';
import { PERSONA_COLUMN, ScopeTransformer } from './scope-transformer.js';
import { bindPlan, QueryPlans, treeShape } from './query-plans.js';
import { cloneTree, isValue, refuseTree, validateClone } from './tree-validator.js';

/** A transaction an extension forgot holds the database lock: it is rolled back after this long without a statement. */
export const STORAGE_TRANSACTION_TIMEOUT_MS = 30_000;
/** The longest an ordinary (not migration) transaction lives, busy or not: other extensions' queries wait for it. */
export const STORAGE_TRANSACTION_MAX_MS = 10_000;
/** How long a host write (a reliable send's queue row, a receive mark) waits for an ordinary transaction before it is rolled back. */
export const HOST_WRITE_PATIENCE_MS = 5_000;
/** The same for a migration's transaction (activation may migrate a large table). */
export const HOST_WRITE_PATIENCE_MIGRATION_MS = 30_000;
/** Transactions one extension-and-persona may have open at once (they queue on one lock anyway). */
const MAX_OPEN_TRANSACTIONS = 8;
const ROLLBACK = Symbol('rollback');

/** The physical table prefix of an extension: `ext_<id>__` (ids are `[a-z0-9-]`, dashes become `_`). */
export function extensionTablePrefix(extensionId: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(extensionId)) throw new RangeError(`not an extension id: ${extensionId}`);
  return `ext_${extensionId.replace(/-/g, '_')}__`;
}

interface OpenTransaction {
  readonly trx: Transaction<any>;
  readonly migration: string | undefined;
  readonly alreadyDone: boolean;
  /** Restart the idle timer (each statement does). */
  touch(): void;
  finish(commit: boolean): Promise<void>;
}

/**
 * The host end of one extension's storage for one persona. Each tree is cloned and validated
 * (tree-validator.ts), scoped to the extension's tables and the persona's rows (ScopeTransformer),
 * compiled here with the SQLite compiler and run; the extension's own SQL text never reaches
 * SQLite. A tree of a shape compiled before runs that shape's SQL with its own values
 * (query-plans.ts). Only queries this channel compiled may run on its connection.
 */
export function openStorageChannel(
  database: Database,
  extensionId: string,
  persona: string,
  limits: { readonly transactionTimeoutMs?: number; readonly transactionMaxMs?: number; readonly hostPatienceMs?: number } = {},
): StorageChannel {
  const prefix = extensionTablePrefix(extensionId);
  if (typeof persona !== 'string' || persona.length === 0) throw new RangeError('persona must be a non-empty string');
  const timeoutMs = limits.transactionTimeoutMs ?? STORAGE_TRANSACTION_TIMEOUT_MS;
  const maxMs = limits.transactionMaxMs ?? STORAGE_TRANSACTION_MAX_MS;
  const book = `kith_migrations_${prefix.slice(0, -2)}`;
  const compiled = new WeakSet<CompiledQuery>();
  const kysely = database.derive({ plugins: [], allow: (query) => compiled.has(query) });
  const open = new Map<StorageTransactionId, OpenTransaction>();
  let nextId = 1;

  const plans = new QueryPlans();
  const scopeAndCompile = (root: RootOperationNode, allowDdl: boolean): CompiledQuery => {
    const queryId = createQueryId();
    const scoped = new ScopeTransformer({ prefix, persona, allowDdl }).transformRoot(root, queryId);
    return new SqliteQueryCompiler().compileQuery(scoped, queryId);
  };
  const ready = (query: CompiledQuery): CompiledQuery => {
    // better-sqlite3 binds Buffers, and a cloned Buffer arrives as a plain Uint8Array.
    const parameters = query.parameters.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
    const runnable: CompiledQuery = { ...query, parameters };
    compiled.add(runnable);
    return runnable;
  };
  const compile = (tree: unknown, allowDdl: boolean): CompiledQuery => {
    const copy = cloneTree(tree);
    // Migrations (DDL) are rare: always checked and compiled afresh.
    const shape = allowDdl ? undefined : treeShape(copy);
    const plan = shape && plans.get(shape.key);
    if (plan && shape.values.every(isValue)) {
      return ready({ query: plan.node, queryId: createQueryId(), sql: plan.sql, parameters: bindPlan(plan, shape.values) });
    }
    const root = validateClone(copy, { allowDdl });
    // Compiling freezes the tree's leaves, and the plan is made by filling the slots of a copy.
    if (shape) plans.learn(structuredClone(root), (tree) => scopeAndCompile(tree, false));
    return ready(scopeAndCompile(root, allowDdl));
  };

  const transaction = (id: StorageTransactionId): OpenTransaction => {
    const found = open.get(id);
    if (!found) throw refuseTree('no such transaction (it ended, or timed out)');
    return found;
  };

  const doneNames = (): string[] => {
    database.sqlite.exec(`CREATE TABLE IF NOT EXISTS "${book}" (name TEXT PRIMARY KEY, executed_at INTEGER NOT NULL)`);
    return (database.sqlite.prepare(`SELECT name FROM "${book}"`).all() as { name: string }[]).map((r) => r.name);
  };

  const channel: StorageChannel = {
    async execute(tree, id): Promise<StorageResult> {
      const trx = id === undefined ? undefined : transaction(id);
      trx?.touch();
      const query = compile(tree, trx?.migration !== undefined);
      const result = await (trx?.trx ?? kysely).executeQuery(query).catch((error: unknown) => Promise.reject(storageError(error, prefix)));
      return {
        rows: withoutPersona(result.rows as Record<string, unknown>[]),
        ...(result.numAffectedRows !== undefined ? { numAffectedRows: result.numAffectedRows } : {}),
        ...(result.insertId !== undefined ? { insertId: result.insertId } : {}),
      };
    },

    async begin(options) {
      const migration = options?.migration;
      if (migration !== undefined && (typeof migration !== 'string' || migration.length === 0 || migration.length > 200)) {
        throw refuseTree('a migration name is a string of 1 to 200 characters');
      }
      if (open.size >= MAX_OPEN_TRANSACTIONS) throw refuseTree(`at most ${MAX_OPEN_TRANSACTIONS} open transactions`);
      if (migration !== undefined) doneNames();
      // Host writes already waiting go first, so rolling back a transaction that held them is not
      // undone by the next one beginning at once.
      await database.writes.whenNoneWaiting();
      const id = nextId++;
      const started = await holdTransaction(kysely, {
        // Inside the transaction (the lock held): another persona's run may have recorded it meanwhile.
        onStart: () => migration !== undefined && database.sqlite.prepare(`SELECT 1 FROM "${book}" WHERE name = ?`).get(migration) !== undefined,
        beforeCommit: () => {
          if (migration !== undefined) database.sqlite.prepare(`INSERT INTO "${book}" (name, executed_at) VALUES (?, ?)`).run(migration, Date.now());
        },
      });
      const end = () => void channel.rollback(id).catch(() => undefined);
      const timer = setTimeout(end, timeoutMs);
      timer.unref();
      const lifetime = migration === undefined ? setTimeout(end, maxMs) : undefined;
      lifetime?.unref();
      const patienceMs = limits.hostPatienceMs ?? (migration === undefined ? HOST_WRITE_PATIENCE_MS : HOST_WRITE_PATIENCE_MIGRATION_MS);
      const unhold = database.writes.hold({ patienceMs, preempt: end });
      open.set(id, {
        ...started,
        migration,
        touch: () => timer.refresh(),
        async finish(commit) {
          clearTimeout(timer);
          clearTimeout(lifetime);
          unhold();
          open.delete(id);
          await started.finish(commit);
        },
      });
      return { id, alreadyDone: started.alreadyDone };
    },

    async commit(id) {
      const trx = transaction(id);
      if (trx.alreadyDone) return trx.finish(false);
      return trx.finish(true);
    },

    async rollback(id) {
      return transaction(id).finish(false);
    },

    async migrationsDone() {
      return doneNames();
    },
  };
  return channel;
}

/**
 * Start a kysely transaction and keep it open until `finish` is called: the channel's begin,
 * execute and commit arrive as separate messages, so the transaction cannot be one callback.
 */
function holdTransaction(
  kysely: Kysely<any>,
  hooks: { onStart(): boolean; beforeCommit(): void },
): Promise<{ trx: Transaction<any>; alreadyDone: boolean; finish(commit: boolean): Promise<void> }> {
  return new Promise((resolve, reject) => {
    let decide!: (commit: boolean) => void;
    const decided = new Promise<boolean>((r) => (decide = r));
    let started = false;
    const outcome = kysely.transaction().execute(async (trx) => {
      started = true;
      let alreadyDone = false;
      try {
        alreadyDone = hooks.onStart();
      } finally {
        resolve({ trx, alreadyDone, finish });
      }
      if (!(await decided)) throw ROLLBACK;
      hooks.beforeCommit();
    });
    const finish = async (commit: boolean): Promise<void> => {
      decide(commit);
      try {
        await outcome;
      } catch (error) {
        if (error !== ROLLBACK) throw error;
      }
    };
    outcome.catch((error) => {
      if (!started) reject(error);
    });
  });
}

/**
 * A result row as the extension sees it: the host's persona column (`selectAll`, `returning *`)
 * is the host's business, never part of an answer.
 */
function withoutPersona(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  for (const row of rows) if (PERSONA_COLUMN in row) delete row[PERSONA_COLUMN];
  return rows;
}

/**
 * SQLite's own errors as catalogued KithErrors (they cross the extension process boundary and
 * `isKithError` knows them): a failed constraint is KITH_ERR_CONFLICT, a damaged file
 * KITH_ERR_INTERNAL saying so (not the extension's query), anything else (no such table or
 * column, a type mismatch) KITH_ERR_QUERY_REFUSED; SQLite's code stays in `details.sqlite`.
 * Table names are said as the extension wrote them, without the host's namespace prefix.
 */
export function storageError(error: unknown, prefix: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (isKithError(error) || typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (isDamagedDatabase(error)) return new KithError('KITH_ERR_INTERNAL', DAMAGED_DATABASE_MESSAGE, { sqlite: code });
  const message = `Scoped storage: ${String((error as Error).message).replaceAll(prefix, '')}`;
  return new KithError(code.startsWith('SQLITE_CONSTRAINT') ? 'KITH_ERR_CONFLICT' : 'KITH_ERR_QUERY_REFUSED', message, { sqlite: code });
}
