import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { KithError } from '@kith/sdk';
import { HOST_MIGRATIONS } from './migrations/index.js';
import type { HostTables } from './tables.js';

/** The host's one SQLite database: `KITH_DATA/kith.sqlite`. */
export interface Database {
  readonly db: Kysely<HostTables>;
  /** The underlying connection, for the storage layer's own needs (checkpoints, scoped handles). */
  readonly sqlite: Sqlite.Database;
  readonly file: string;
  close(): Promise<void>;
}

/** Options for {@link openDatabase}; `nativeBinding` is how the single executable passes its addon. */
export interface OpenDatabaseOptions {
  readonly nativeBinding?: string | object;
}

/**
 * Open (creating if needed) the database with WAL, foreign keys and secure_delete (freed pages are
 * zeroed, so deleted message bodies do not linger in the file), then run the host's migrations.
 */
export async function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'kith.sqlite');
  const sqlite = new Sqlite(file, options.nativeBinding ? { nativeBinding: options.nativeBinding as string } : {});
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<HostTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  await runMigrations(db, 'host', HOST_MIGRATIONS);
  return {
    db,
    sqlite,
    file,
    async close() {
      await db.destroy();
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
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new KithError('KITH_ERR_INTERNAL', `Migration ${failed ?? '?'} of ${scope} failed: ${String((error as Error).message ?? error)}`);
  }
}
