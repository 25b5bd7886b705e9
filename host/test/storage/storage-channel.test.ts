import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely, Migration } from 'kysely';
import { isKithError, type StorageChannel } from '@kith/sdk';
import { createChannelStorage } from '@kith/sdk/storage';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { openStorageChannel } from '../../src/storage/host-storage-channel.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

const MIGRATIONS: Record<string, Migration> = {
  '001': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('data', 'blob')
        .addColumn('big', 'integer')
        .execute();
    },
  },
  '002': {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('items_by_big').on('items').column('big').execute();
    },
  },
};

/** What IPC would do: every argument and every answer is structured-cloned, nothing live crosses. */
function overIpc(channel: StorageChannel, log: string[]): StorageChannel {
  const call = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    log.push(name);
    return structuredClone(await run());
  };
  return {
    execute: (tree, id) => call('execute', () => channel.execute(structuredClone(tree), id)),
    begin: (options) => call('begin', () => channel.begin(structuredClone(options))),
    commit: (id) => call('commit', () => channel.commit(id)),
    rollback: (id) => call('rollback', () => channel.rollback(id)),
    migrationsDone: () => call('migrationsDone', () => channel.migrationsDone()),
  };
}

async function refusedWith(run: () => Promise<unknown>, code = 'KITH_ERR_QUERY_REFUSED'): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(isKithError(error), String(error)).to.equal(true);
    expect((error as { code: string }).code).to.equal(code);
    return (error as Error).message;
  }
  return expect.fail('it ran');
}

describe('storage/channel: ctx.storage over plain data (the IPC shape)', () => {
  let dir: string;
  let database: Database;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-channel-'));
    database = await openDatabase(dir);
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migrations, writes, reads, transactions and blobs work through a cloning channel', async () => {
    const log: string[] = [];
    const alice = createChannelStorage(overIpc(openStorageChannel(database, 'ipc-ext', ALICE), log));
    const bob = createChannelStorage(overIpc(openStorageChannel(database, 'ipc-ext', BOB), log));
    await Promise.all([alice.migrate(MIGRATIONS), bob.migrate(MIGRATIONS)]);
    expect(database.sqlite.prepare('SELECT name FROM kith_migrations_ext_ipc_ext ORDER BY name').all()).to.deep.equal([{ name: '001' }, { name: '002' }]);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const inserted = await alice.db.insertInto('items').values({ name: 'n', data: bytes, big: 2n ** 40n }).executeTakeFirstOrThrow();
    expect(Number(inserted.insertId)).to.be.greaterThan(0);
    await alice.db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ name: 'in trx', data: null, big: 1 }).execute();
    });
    await alice.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('items').values({ name: 'rolled back', data: null, big: 1 }).execute();
        throw new Error('abort');
      })
      .catch(() => undefined);
    const rows = await alice.db.selectFrom('items').select(['name', 'data', 'big']).orderBy('id').execute();
    expect(rows.map((r) => r.name)).to.deep.equal(['n', 'in trx']);
    expect(new Uint8Array(rows[0]!.data as Uint8Array)).to.deep.equal(bytes);
    expect(await bob.db.selectFrom('items').selectAll().execute()).to.deep.equal([]);
    expect(log).to.include.members(['migrationsDone', 'begin', 'execute', 'commit', 'rollback']);
  });

  it('a migration that fails rolls back and is not recorded; the next run retries it', async () => {
    const storage = createChannelStorage(openStorageChannel(database, 'flaky', ALICE));
    let fail = true;
    const migrations: Record<string, Migration> = {
      '001': {
        async up(db: Kysely<any>) {
          await db.schema.createTable('t').addColumn('x', 'text').execute();
          if (fail) throw new Error('disk on fire');
        },
      },
    };
    await refusedWith(() => storage.migrate(migrations), 'KITH_ERR_INTERNAL');
    expect(database.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'ext_flaky__t'").all()).to.deep.equal([]);
    fail = false;
    await storage.migrate(migrations);
    expect(database.sqlite.prepare('SELECT name FROM kith_migrations_ext_flaky').all()).to.deep.equal([{ name: '001' }]);
  });

  it('ordinary schema changes pass in a migration: add, rename and drop columns, drop an index, rename and drop tables', async () => {
    const storage = createChannelStorage(openStorageChannel(database, 'schema-ext', ALICE));
    await storage.migrate({
      '001': {
        async up(db: Kysely<any>) {
          await db.schema.createTable('a').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('old', 'text').addColumn('n', 'integer', (c) => c.defaultTo(0)).execute();
          await db.schema.createIndex('a_by_old').ifNotExists().on('a').column('old').execute();
          await db.schema.createTable('b').ifNotExists().addColumn('x', 'text').execute();
        },
      },
      '002': {
        async up(db: Kysely<any>) {
          await db.schema.dropIndex('a_by_old').execute();
          await db.schema.alterTable('a').addColumn('extra', 'text').execute();
          await db.schema.alterTable('a').renameColumn('old', 'renamed').execute();
          await db.schema.alterTable('a').dropColumn('extra').execute();
          await db.schema.alterTable('b').renameTo('c').execute();
          await db.schema.dropTable('c').execute();
        },
      },
    });
    const columns = (database.sqlite.prepare("PRAGMA table_info('ext_schema_ext__a')").all() as { name: string }[]).map((c) => c.name);
    expect(columns).to.deep.equal(['persona', 'id', 'renamed', 'n']);
    await storage.db.insertInto('a').values({ id: 1, renamed: 'r' }).execute();
    expect(await storage.db.selectFrom('a').select(['renamed', 'n']).execute()).to.deep.equal([{ renamed: 'r', n: 0 }]);
  });

  it('a forgotten transaction is rolled back after the idle timeout and frees the database', async () => {
    const channel = openStorageChannel(database, 'ipc-ext', ALICE, { transactionTimeoutMs: 100 });
    const storage = createChannelStorage(channel);
    const { id } = await channel.begin();
    const insert = storage.db.insertInto('items').values({ name: 'never committed' }).compile();
    // The timeout counts idle time: a transaction that keeps working outlives it.
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await channel.execute(storage.db.selectFrom('items').select('name').compile().query, id);
    }
    await channel.execute(insert.query, id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    await refusedWith(() => channel.commit(id));
    await refusedWith(() => channel.execute(insert.query, id));
    // The lock is free again: the host's own queries run, and the row is gone.
    const names = database.sqlite.prepare("SELECT name FROM ext_ipc_ext__items WHERE name = 'never committed'").all();
    expect(names).to.deep.equal([]);
    expect(await database.db.selectFrom('kith_migrations_host' as any).select('name').execute()).to.not.equal(undefined);
  });

  it('a busy transaction still ends at its lifetime, so it cannot hold the database for ever', async () => {
    const channel = openStorageChannel(database, 'ipc-ext', ALICE, { transactionTimeoutMs: 10_000, transactionMaxMs: 300 });
    const storage = createChannelStorage(channel);
    const { id } = await channel.begin();
    const insert = storage.db.insertInto('items').values({ name: 'held too long' }).compile();
    await channel.execute(insert.query, id);
    const select = storage.db.selectFrom('items').select('name').compile();
    // A statement every 50 ms keeps the idle timer from firing; the lifetime ends it anyway.
    const started = performance.now();
    let refusal: string | undefined;
    while (performance.now() - started < 3_000 && refusal === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refusal = await channel.execute(select.query, id).then(() => undefined, (error: Error) => error.message);
    }
    expect(refusal, 'a statement after the lifetime').to.match(/no such transaction/);
    expect(performance.now() - started, 'ms until it ended').to.be.within(200, 2_000);
    expect(database.sqlite.prepare("SELECT name FROM ext_ipc_ext__items WHERE name = 'held too long'").all()).to.deep.equal([]);
  });

  it('a host write kept waiting past its patience rolls the transaction back, and a new one begins after the write', async () => {
    const channel = openStorageChannel(database, 'ipc-ext', ALICE, { hostPatienceMs: 200 });
    const storage = createChannelStorage(channel);
    const { id } = await channel.begin();
    await channel.execute(storage.db.insertInto('items').values({ name: 'preempted' }).compile().query, id);
    const started = performance.now();
    const order: string[] = [];
    const write = database.writes.run(() => {
      order.push('host write');
      return database.sqlite.inTransaction;
    });
    expect(write, 'a write while the transaction holds waits').to.be.instanceOf(Promise);
    const next = channel.begin().then((begun) => (order.push('next transaction'), begun));
    expect(await write, 'the host write ran outside any transaction').to.equal(false);
    expect(performance.now() - started, 'ms the host write waited').to.be.within(150, 2_000);
    await refusedWith(() => channel.commit(id));
    await channel.rollback((await next).id);
    expect(order).to.deep.equal(['host write', 'next transaction']);
    expect(database.sqlite.prepare("SELECT name FROM ext_ipc_ext__items WHERE name = 'preempted'").all()).to.deep.equal([]);
  });

  it('bounds: unknown transactions, DDL outside a migration transaction, huge or deep trees', async () => {
    const channel = openStorageChannel(database, 'ipc-ext', BOB);
    const storage = createChannelStorage(channel);
    const select = storage.db.selectFrom('items').select('name').compile();
    await refusedWith(() => channel.execute(select.query, 999));
    const ddl = storage.db.schema.createTable('late').addColumn('x', 'text').compile();
    const { id } = await channel.begin();
    expect(await refusedWith(() => channel.execute(ddl.query, id))).to.match(/outside migrate/);
    await channel.rollback(id);
    await refusedWith(() => channel.begin({ migration: 'x'.repeat(201) }));
    let deep: Record<string, unknown> = { kind: 'ValueNode', value: 1 };
    for (let i = 0; i < 100; i++) deep = { kind: 'ParensNode', node: deep };
    const tooDeep = { ...(select.query as object), where: { kind: 'WhereNode', where: deep } };
    expect(await refusedWith(() => channel.execute(tooDeep))).to.match(/nested too deeply/);
    const wide = storage.db.selectFrom('items').select('name').where('name', 'in', Array.from({ length: 60_000 }, (_, i) => `n${i}`)).compile();
    expect(await refusedWith(() => channel.execute(wide.query))).to.match(/too large/);
    expect(await refusedWith(() => channel.execute('SELECT 1'))).to.match(/not a node/);
  });
});
