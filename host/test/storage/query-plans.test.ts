import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, SqliteQueryCompiler, type Kysely } from 'kysely';
import { isKithError, type StorageChannel } from '@kith/sdk';
import { createChannelStorage } from '@kith/sdk/storage';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { openStorageChannel } from '../../src/storage/host-storage-channel.js';
import { treeShape } from '../../src/storage/query-plans.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

/** The tree kysely builds for `query`, as the channel receives it (cloned). */
function treeOf(query: { compile(): { query: unknown } }): unknown {
  return structuredClone(query.compile().query);
}

/** Runs `work` counting the host's SQL compiles (a new shape compiles twice: the query, then its plan). */
async function compilesDuring(work: () => Promise<void>): Promise<number> {
  const original = SqliteQueryCompiler.prototype.compileQuery;
  let count = 0;
  SqliteQueryCompiler.prototype.compileQuery = function (this: SqliteQueryCompiler, ...args: Parameters<typeof original>) {
    count++;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    SqliteQueryCompiler.prototype.compileQuery = original;
  }
  return count;
}

describe('storage/query plans: one compile per shape, the values bound each time', () => {
  let dir: string;
  let database: Database;
  let alice: Kysely<any>;
  let bob: Kysely<any>;
  let aliceChannel: StorageChannel;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-plans-'));
    database = await openDatabase(dir);
    const migrations = {
      '001': {
        async up(db: Kysely<any>) {
          await db.schema.createTable('items').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('data', 'blob').execute();
        },
      },
    };
    aliceChannel = openStorageChannel(database, 'plans', ALICE);
    const a = createChannelStorage(aliceChannel);
    const b = createChannelStorage(openStorageChannel(database, 'plans', BOB));
    await a.migrate(migrations);
    await b.migrate(migrations);
    alice = a.db;
    bob = b.db;
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two trees that differ only in bound values have one shape; names, operators and inline values make another', () => {
    const db = alice;
    const one = treeShape(treeOf(db.selectFrom('items').selectAll().where('name', '=', 'x').limit(5)))!;
    const two = treeShape(treeOf(db.selectFrom('items').selectAll().where('name', '=', 'y').limit(9)))!;
    expect(one.key).to.equal(two.key);
    expect(one.values).to.deep.equal(['x', 5]);
    expect(two.values).to.deep.equal(['y', 9]);
    const others = [
      db.selectFrom('items').selectAll().where('id', '=', 'x').limit(5),
      db.selectFrom('items').selectAll().where('name', '!=', 'x').limit(5),
      db.selectFrom('items').selectAll().where('name', '=', sql.lit('x')).limit(5),
      db.selectFrom('items').selectAll().where('name', '=', sql.lit('y')).limit(5),
      db.selectFrom('items').selectAll().where('name', 'in', ['x', 'y']).limit(5),
      db.selectFrom('items').selectAll().where('name', 'in', ['x', 'y', 'z']).limit(5),
    ].map((q) => treeShape(treeOf(q))!.key);
    expect(new Set([one.key, ...others]).size).to.equal(others.length + 1);
    // Not plain data outside a slot, or past the bounds: no shape, so the checks see it (and refuse it).
    const odd = treeOf(db.selectFrom('items').selectAll()) as { from: unknown };
    odd.from = new Date();
    expect(treeShape(odd)).to.equal(undefined);
    expect(treeShape({ kind: 'PrimitiveValueListNode', values: new Array(500_000).fill(1) })).to.equal(undefined);
    let deep: unknown = { kind: 'ValueNode', value: 1 };
    for (let i = 0; i < 10_000; i++) deep = { kind: 'ParensNode', node: deep };
    expect(treeShape(deep)).to.equal(undefined);
  });

  it('a repeated shape runs with its own values: inserts, reads, updates, deletes and lists of other lengths', async () => {
    const db = alice;
    const compiles = await compilesDuring(async () => {
      for (let i = 1; i <= 5; i++) await db.insertInto('items').values({ id: i, name: `n${i}`, data: new Uint8Array([i, 255]) }).execute();
      for (let i = 1; i <= 5; i++) {
        const row = await db.selectFrom('items').selectAll().where('id', '=', i).executeTakeFirstOrThrow();
        expect(row.name).to.equal(`n${i}`);
        expect([...row.data]).to.deep.equal([i, 255]);
      }
    });
    // Two shapes, ten queries: each shape compiled for its first query and its plan, then never again.
    expect(compiles).to.equal(4);
    await db.updateTable('items').set({ name: 'two' }).where('id', '=', 2).execute();
    await db.updateTable('items').set({ name: 'three' }).where('id', '=', 3).execute();
    expect((await db.selectFrom('items').select('name').where('id', 'in', [2, 3]).orderBy('id').execute()).map((r) => r.name)).to.deep.equal(['two', 'three']);
    expect((await db.selectFrom('items').select('name').where('id', 'in', [1, 4, 5]).orderBy('id').execute()).map((r) => r.name)).to.deep.equal(['n1', 'n4', 'n5']);
    expect((await db.selectFrom('items').select('name').where('id', 'in', [5, 1]).orderBy('id', 'desc').execute()).map((r) => r.name)).to.deep.equal(['n5', 'n1']);
    await db.deleteFrom('items').where('id', '=', 4).execute();
    await db.deleteFrom('items').where('id', '=', 5).execute();
    expect((await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id)).to.deep.equal([1, 2, 3]);
    // Persona scoping holds on a plan: Bob, with the same shapes, sees none of Alice's rows and writes his own.
    expect(await bob.selectFrom('items').selectAll().where('id', '=', 1).execute()).to.deep.equal([]);
    await bob.insertInto('items').values({ id: 100, name: 'bob', data: null }).execute();
    expect(await db.selectFrom('items').select('name').where('id', '=', 100).execute()).to.deep.equal([]);
    expect((await bob.selectFrom('items').select('name').where('id', '=', 100).executeTakeFirstOrThrow()).name).to.equal('bob');
  });

  it('a tree of a known shape whose value is not a value is refused, as it is without a plan', async () => {
    const query = alice.selectFrom('items').selectAll().where('id', '=', 1);
    await query.execute(); // the plan exists now
    const tree = treeOf(query) as Record<string, any>;
    const hostile = JSON.parse(JSON.stringify(tree), (key, value) => (key === 'value' && value === 1 ? { toString: 'x' } : value));
    try {
      await aliceChannel.execute(hostile);
      expect.fail('it ran');
    } catch (error) {
      expect(isKithError(error), String(error)).to.equal(true);
      expect((error as { code: string; message: string }).code).to.equal('KITH_ERR_QUERY_REFUSED');
      expect((error as Error).message).to.match(/not a value/);
    }
    // The same tree with a value runs.
    expect((await aliceChannel.execute(JSON.parse(JSON.stringify(tree)))).rows).to.have.length(1);
    // A list of values past every bound is refused by the checks, not broken by the shape's walk.
    const insert = treeOf(alice.insertInto('items').values({ id: 9, name: 'x' })) as { values: { values: Array<{ kind: string; values: unknown[] }> } };
    expect(insert.values.values[0]!.kind).to.equal('PrimitiveValueListNode');
    insert.values.values[0]!.values = new Array(500_000).fill(1);
    const refused = await aliceChannel.execute(insert).then(() => undefined, (error: unknown) => error as { code?: string; message?: string });
    expect(refused?.code, String(refused?.message)).to.equal('KITH_ERR_QUERY_REFUSED');
  });
});
