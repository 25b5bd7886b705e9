import path from 'node:path';
import Sqlite from 'better-sqlite3';
import {
  Kysely, SqliteAdapter, SqliteDriver, SqliteIntrospector, SqliteQueryCompiler,
  type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type KyselyPlugin,
} from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { KithError } from '@kith/sdk';
import { HOST_MIGRATIONS } from './migrations/index.js';
import type { HostTables } from './tables.js';
import { narrowTree, privateDir, privateFile } from './private-files.js';
import { cachedStatements } from './statement-cache.js';
import { HostWrites } from './host-writes.js';
import { WalSync } from './wal-sync.js';
import { diskFullOr } from './disk-full.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { isDamagedDatabase } from './damaged-database.js';
import { refuseEmptiedDatabase } from './emptied-database.js';

/** The host's one SQLite database: `KITH_DATA/kith.sqlite`. */
export interface Database {
  readonly db: Kysely<HostTables>;
  /** The underlying connection, for the storage layer's own needs (checkpoints, scoped handles). */
  readonly sqlite: Sqlite.Database;
  readonly file: string;
  /** The rules for the host's own writes on this connection, shared with extension transactions. */
  readonly writes: HostWrites;
  /**
   * Another Kysely over the same connection, sharing its lock (so its queries never land inside
   * someone else's transaction). `allow` sees every compiled query before it runs and may refuse
   * it (the extension storage channel runs only the queries it compiled itself from a validated,
   * scoped tree).
   * Destroying the returned Kysely does not close the database.
   */
  derive(options: { readonly plugins: readonly KyselyPlugin[]; readonly allow: (query: CompiledQuery) => boolean }): Kysely<any>;
  close(): Promise<void>;
}

/** Options for {@link openDatabase}; `nativeBinding` is how the single executable passes its addon. */
export interface OpenDatabaseOptions {
  readonly nativeBinding?: string | object;
  /** Where a background WAL sync's failure goes (one somebody waits on rejects for them too). */
  readonly syncFailed?: (error: unknown) => void;
}

/**
 * Make KITH_DATA private (0700/0600, see private-files.ts), take its lock (one Kith per data dir:
 * data-dir-lock.ts; released by close), then open (creating if needed) the
 * database with WAL, group commit (wal-sync.ts), foreign keys and secure_delete (freed pages are
 * zeroed, so deleted message bodies do not linger in the file), then run the host's migrations.
 */
export async function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  privateDir(dataDir);
  narrowTree(dataDir);
  const lock = lockDataDir(dataDir, options.nativeBinding);
  try {
    return await openLocked(dataDir, lock, options);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openLocked(dataDir: string, lock: DataDirLock, options: OpenDatabaseOptions): Promise<Database> {
  const file = path.join(dataDir, 'kith.sqlite');
  refuseEmptiedDatabase(dataDir, file);
  privateFile(file);
  const sqlite = new Sqlite(file, options.nativeBinding ? { nativeBinding: options.nativeBinding as string } : {});
  sqlite.pragma('journal_mode = WAL');
  // NORMAL: a commit writes its WAL frames without an fsync on the event loop. WalSync makes them
  // durable in batches on the thread pool; what the bus acknowledges waits for that
  // (ACK-after-persist survives a power cut), everything else is on disk within 50 ms. Set, not
  // left to the default, so the choice is visible here (better-sqlite3's build already defaults
  // WAL commits to it while `PRAGMA synchronous` reads 2).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  const walSync = new WalSync(sqlite, `${file}-wal`, options.syncFailed ?? (() => undefined));
  const driver = new SqliteDriver({ database: cachedStatements(sqlite) as Sqlite.Database });
  const db = new Kysely<HostTables>({ dialect: sqliteDialect(driver) });
  await runMigrations(db, 'host', HOST_MIGRATIONS);
  return {
    db,
    sqlite,
    file,
    writes: new HostWrites(sqlite, walSync),
    derive({ plugins, allow }) {
      return new Kysely<any>({ dialect: sqliteDialect(guardedDriver(driver, allow)), plugins: [...plugins] });
    },
    async close() {
      await walSync.close().catch(options.syncFailed ?? (() => undefined));
      await db.destroy();
      lock.release();
    },
  };
}

/** Run `migrations` (sortable name → migration) in their own bookkeeping tables named after `scope`. */
export async function runMigrations(
  db: Kysely<any>,
  scope: string,
  migrations: Readonly<Record<string, Migration>>,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: `kith_migrations_${scope}`,
    migrationLockTableName: `kith_migrations_${scope}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    // A damaged file shows first here (the migration table is the first thing read): its own
    // error goes up, so the caller can say the database is damaged rather than a migration failed.
    if (isDamagedDatabase(error)) throw error;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new KithError('KITH_ERR_INTERNAL', `Migration ${failed ?? '?'} of ${scope} failed: ${String((error as Error).message ?? error)}`);
  }
}

/** A SQLite dialect around an existing driver (the host's one driver, or a guarded view of it). */
function sqliteDialect(driver: Driver): Dialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}

/** Shares `inner`'s connection and lock; refuses queries `allow` rejects; never closes `inner`. */
function guardedDriver(inner: Driver, allow: (query: CompiledQuery) => boolean): Driver {
  const guard = (connection: DatabaseConnection): DatabaseConnection => ({
    async executeQuery<R>(query: CompiledQuery) {
      if (!allow(query)) throw new KithError('KITH_ERR_QUERY_REFUSED', 'This query did not pass through the scoped storage plugin');
      try {
        return await connection.executeQuery<R>(query);
      } catch (error) {
        throw diskFullOr(error);
      }
    },
    streamQuery(query, chunkSize) {
      if (!allow(query)) throw new KithError('KITH_ERR_QUERY_REFUSED', 'This query did not pass through the scoped storage plugin');
      return connection.streamQuery(query, chunkSize);
    },
  });
  const connections = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (connection: DatabaseConnection) => connections.get(connection) ?? connection;
  return {
    async init() {},
    async acquireConnection() {
      const connection = await inner.acquireConnection();
      const guarded = guard(connection);
      connections.set(guarded, connection);
      return guarded;
    },
    beginTransaction: (c, settings) => inner.beginTransaction(unwrap(c), settings),
    commitTransaction: (c) => inner.commitTransaction(unwrap(c)).catch((error: unknown) => Promise.reject(diskFullOr(error))),
    rollbackTransaction: (c) => inner.rollbackTransaction(unwrap(c)),
    savepoint: (c, name, compile) => inner.savepoint!(unwrap(c), name, compile),
    rollbackToSavepoint: (c, name, compile) => inner.rollbackToSavepoint!(unwrap(c), name, compile),
    releaseSavepoint: (c, name, compile) => inner.releaseSavepoint!(unwrap(c), name, compile),
    releaseConnection: (c) => inner.releaseConnection(unwrap(c)),
    async destroy() {},
  };
}
