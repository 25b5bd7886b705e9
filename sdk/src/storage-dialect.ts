import {
  Kysely, SqliteAdapter, SqliteIntrospector,
  type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type Migration, type QueryCompiler, type QueryId,
  type QueryResult, type RootOperationNode,
} from 'kysely';
import type { ExtensionStorage } from './context.js';
import { KithError } from './errors.js';
import type { StorageChannel, StorageTransactionId } from './storage-channel.js';

/** One logical connection: outside a transaction, or bound to one the host holds open. */
class ChannelConnection implements DatabaseConnection {
  transaction: StorageTransactionId | undefined;

  constructor(
    private readonly channel: StorageChannel,
    transaction?: StorageTransactionId,
  ) {
    this.transaction = transaction;
  }

  /** Only the tree is sent: the SQL text and parameters kysely compiled here are never trusted. */
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.channel.execute(compiled.query, this.transaction);
    return {
      rows: result.rows as R[],
      ...(result.numAffectedRows !== undefined ? { numAffectedRows: result.numAffectedRows } : {}),
      ...(result.insertId !== undefined ? { insertId: result.insertId } : {}),
    };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.executeQuery<R>(compiled);
    for (const row of result.rows) yield { rows: [row] };
  }
}

/** A driver that executes nothing itself: it hands trees to the channel. `fixed` pins every query to one open transaction. */
function channelDriver(channel: StorageChannel, fixed?: StorageTransactionId): Driver {
  return {
    async init() {},
    async acquireConnection() {
      return new ChannelConnection(channel, fixed);
    },
    async beginTransaction(connection) {
      if (fixed !== undefined) throw new KithError('KITH_ERR_QUERY_REFUSED', 'Scoped storage: nested transactions are not supported');
      (connection as ChannelConnection).transaction = (await channel.begin()).id;
    },
    async commitTransaction(connection) {
      const c = connection as ChannelConnection;
      if (c.transaction !== undefined) await channel.commit(c.transaction);
      c.transaction = undefined;
    },
    async rollbackTransaction(connection) {
      const c = connection as ChannelConnection;
      if (c.transaction !== undefined) await channel.rollback(c.transaction);
      c.transaction = undefined;
    },
    async releaseConnection() {},
    async destroy() {},
  };
}

/**
 * Keeps the tree and writes no SQL: the host compiles the tree it has checked, so text made here
 * would be wasted work (and `compile().sql` is empty on this handle).
 */
const treeOnlyCompiler: QueryCompiler = {
  compileQuery: (node: RootOperationNode, queryId: QueryId): CompiledQuery => ({ query: node, queryId, sql: '', parameters: [] }),
};

function channelKysely(channel: StorageChannel, fixed?: StorageTransactionId): Kysely<any> {
  const dialect: Dialect = {
    createDriver: () => channelDriver(channel, fixed),
    createQueryCompiler: () => treeOnlyCompiler,
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  return new Kysely<any>({ dialect });
}

/**
 * The `ctx.storage` an extension sees, over a {@link StorageChannel}: a kysely handle whose
 * queries travel as operation-node trees, and `migrate`, which runs each pending migration in a
 * host transaction that also records it. For hosts and extension runtimes, not extensions.
 */
export function createChannelStorage(channel: StorageChannel): ExtensionStorage {
  return {
    db: channelKysely(channel),
    async migrate(migrations: Readonly<Record<string, Migration>>): Promise<void> {
      const done = new Set(await channel.migrationsDone());
      for (const name of Object.keys(migrations).sort()) {
        if (done.has(name)) continue;
        const migration = migrations[name];
        if (typeof migration?.up !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', `Migration ${name} has no up()`);
        const { id, alreadyDone } = await channel.begin({ migration: name });
        if (alreadyDone) {
          await channel.rollback(id);
          continue;
        }
        try {
          await migration.up(channelKysely(channel, id));
        } catch (error) {
          await channel.rollback(id).catch(() => undefined);
          if (error instanceof KithError) throw error;
          throw new KithError('KITH_ERR_INTERNAL', `Migration ${name} failed: ${(error as Error)?.message ?? String(error)}`);
        }
        await channel.commit(id);
      }
    },
  };
}
