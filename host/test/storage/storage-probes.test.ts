import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely, type Migration } from 'kysely';
import { isKithError, type ExtensionStorage } from '@kith/sdk';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { createExtensionStorage } from '../../src/storage/extension-storage.js';

/**
 * Issue #21's storage escapes, and variants, against a real SQLite file. "chat" holds Alice's
 * and Bob's messages (and a notes table); every probe runs as Bob (in chat, or in another extension "evil") and must
 * be refused with KITH_ERR_QUERY_REFUSED, with Alice's rows and the other extension's rows
 * exactly as they were afterwards.
 */
const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

const CHAT: Record<string, Migration> = {
  '001': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('messages')
        .addColumn('row_id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('title', 'text').execute();
    },
  },
};
const EVIL: Record<string, Migration> = {
  '001': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('title', 'text').execute();
    },
  },
};

type Probe = (db: Kysely<any>) => Promise<unknown>;

/** Every way issue #21 (and its variants) tried to put SQL in a name, a function or a fragment. */
const PROBES: Record<string, Probe> = {
  // the issue's own probes
  'function name carrying a subquery on another table': (db) =>
    db.selectFrom('notes').select((eb) => eb.fn('(SELECT group_concat(body) FROM ext_chat__messages) || trim', [eb.val('')]).as('x')).execute(),
  'function name reading sqlite_master': (db) =>
    db.selectFrom('notes').select((eb) => eb.fn('(SELECT group_concat(sql) FROM sqlite_master) || trim', [eb.val('')]).as('x')).execute(),
  'function name breaking out of the persona filter in a DELETE': (db) =>
    db.deleteFrom('messages').where((eb) => eb.fn('1) OR (1 = 1 OR abs', [eb.val(0)]) as any).execute(),
  'function name breaking out of the persona filter in an UPDATE': (db) =>
    db.updateTable('messages').set({ body: 'pwned' }).where((eb) => eb.fn('1) OR (1 = 1 OR abs', [eb.val(0)]) as any).execute(),
  'leading space before a forbidden function': (db) => db.selectFrom('notes').select((eb) => eb.fn(' sqlite_version', []).as('x')).execute(),
  'trailing space after a function': (db) => db.selectFrom('notes').select((eb) => eb.fn('abs ', [eb.val(1)]).as('x')).execute(),
  'quotes in a function name': (db) => db.selectFrom('notes').select((eb) => eb.fn('"abs"', [eb.val(1)]).as('x')).execute(),
  'parentheses in a function name': (db) => db.selectFrom('notes').select((eb) => eb.fn('abs(1)+abs', [eb.val(1)]).as('x')).execute(),
  'aggregate function name with SQL': (db) => db.selectFrom('notes').select((eb) => eb.fn.agg('count(*) FROM ext_chat__messages --', [eb.ref('id')]).as('x')).execute(),
  'a function off the list (pragma_table_info)': (db) => db.selectFrom('notes').select((eb) => eb.fn('pragma_table_info', [eb.val('messages')]).as('x')).execute(),
  'a function off the list (load_extension)': (db) => db.selectFrom('notes').select((eb) => eb.fn('load_extension', [eb.val('/tmp/x')]).as('x')).execute(),
  // identifiers
  'table name with a quote and a statement': (db) => db.selectFrom('notes"; DELETE FROM ext_chat__messages; --' as any).selectAll().execute(),
  'column name with a quote': (db) => db.selectFrom('notes').select('title" FROM ext_chat__messages --' as any).execute(),
  'column name with a semicolon': (db) => db.selectFrom('notes').select('ti;tle' as any).execute(),
  'alias with a quote': (db) => db.selectFrom('notes').select((eb) => eb.ref('title').as('x" FROM ext_chat__messages --')).execute(),
  // tables that are someone else's
  'sqlite_master': (db) => db.selectFrom('sqlite_master').selectAll().execute(),
  'a schema-qualified name (main.x)': (db) => db.selectFrom('main.messages' as any).selectAll().execute(),
  'another extension\'s physical table': (db) => db.selectFrom('ext_chat__messages').selectAll().execute(),
  'the migration book': (db) => db.selectFrom('kith_migrations_ext_chat').selectAll().execute(),
  'a column of another extension\'s table': (db) => db.selectFrom('notes').select('ext_chat__messages.body' as any).execute(),
  'a subquery on another extension\'s table': (db) =>
    db.selectFrom('notes').selectAll().where('id', 'in', (eb: any) => eb.selectFrom('ext_chat__messages').select('row_id')).execute(),
  'an alias named after another extension\'s table': (db) =>
    db.selectFrom('notes as ext_chat__messages' as any).select('ext_chat__messages.title' as any).execute(),
  'a join on another extension\'s table': (db) => db.selectFrom('notes').innerJoin('ext_chat__messages as m', 'm.row_id', 'notes.id').selectAll().execute(),
  // raw fragments
  'sql`` in a selection': (db) => db.selectFrom('notes').select(sql`(SELECT group_concat(body) FROM ext_chat__messages)`.as('x')).execute(),
  'sql`` in a where': (db) => db.deleteFrom('messages').where(sql`1 = 1` as any).execute(),
  'sql`` as an order direction': (db) => db.selectFrom('notes').selectAll().orderBy('id', sql`desc, (SELECT 1 FROM sqlite_master)` as any).execute(),
  'sql.raw as a statement': (db) => sql.raw('DELETE FROM ext_chat__messages').execute(db),
  'sql.id with a quote': (db) => db.selectFrom('notes').select(sql.id('title"') .as('x') as any).execute(),
  // statements
  'DDL outside migrate()': (db) => db.schema.createTable('late').addColumn('x', 'text').execute(),
  'DROP TABLE outside migrate()': (db) => db.schema.dropTable('messages').execute(),
  'INSERT OR REPLACE': (db) => db.replaceInto('messages').values({ body: 'x' }).execute(),
  'writing the persona column': (db) => db.updateTable('messages').set({ persona: ALICE }).execute(),
  // SQLite's names are case-insensitive: "PERSONA" is the persona column.
  'writing the persona column in capitals': (db) => db.updateTable('messages').set({ PERSONA: ALICE }).execute(),
  'inserting with the persona column in mixed case': (db) => db.insertInto('messages').values({ body: 'planted', Persona: ALICE }).execute(),
  'upserting into the persona column in capitals': (db) =>
    db.insertInto('messages').values({ row_id: 3, body: 'x' }).onConflict((oc) => oc.column('row_id').doUpdateSet({ PERSONA: ALICE } as any)).execute(),
  'reading the persona column': (db) => db.selectFrom('messages').select(['persona', 'body']).execute(),
  'filtering on the persona column': (db) => db.selectFrom('messages').select('body').where('persona', '=', ALICE).execute(),
  'reading the persona column by a qualified reference': (db) => db.selectFrom('messages').select('messages.PERSONA as p').execute(),
};

/** What a probe would have leaked: another persona's text or the schema. */
const LEAK = /alice secret|CREATE TABLE/i;

async function attempt(run: () => Promise<unknown>): Promise<{ result: unknown; error: unknown }> {
  try {
    return { result: await run(), error: undefined };
  } catch (error) {
    return { result: undefined, error };
  }
}

function expectRefusal(error: unknown): void {
  expect(error, 'the probe ran').to.not.equal(undefined);
  expect(isKithError(error), String(error)).to.equal(true);
  expect((error as { code: string }).code).to.equal('KITH_ERR_QUERY_REFUSED');
}

async function expectRefused(run: () => Promise<unknown>): Promise<void> {
  expectRefusal((await attempt(run)).error);
}

function shown(result: unknown): string {
  return JSON.stringify(result ?? null, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}

describe('storage probes (issue #21): the query tree is validated, nothing reaches another extension or persona', () => {
  let dir: string;
  let database: Database;
  let chatAlice: ExtensionStorage;
  let chatBob: ExtensionStorage;
  let evilBob: ExtensionStorage;
  let snapshot: () => unknown;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-probes-'));
    database = await openDatabase(dir);
    chatAlice = createExtensionStorage(database, 'chat', ALICE);
    chatBob = createExtensionStorage(database, 'chat', BOB);
    evilBob = createExtensionStorage(database, 'evil', BOB);
    await Promise.all([chatAlice.migrate(CHAT), chatBob.migrate(CHAT), evilBob.migrate(EVIL)]);
    await evilBob.db.insertInto('notes').values({ id: 1, title: 'evil note' }).execute();
    await chatBob.db.insertInto('notes').values({ id: 1, title: 'bob note' }).execute();
    snapshot = () => database.sqlite.prepare('SELECT persona, row_id, body FROM ext_chat__messages ORDER BY row_id').all();
  });
  // Each probe starts from the same rows, so (on a vulnerable build) each one shows its own harm.
  beforeEach(() => {
    database.sqlite.exec('DELETE FROM ext_chat__messages');
    const insert = database.sqlite.prepare('INSERT INTO ext_chat__messages (persona, row_id, body) VALUES (?, ?, ?)');
    insert.run(ALICE, 1, 'alice secret 1');
    insert.run(ALICE, 2, 'alice secret 2');
    insert.run(BOB, 3, 'bob own');
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, probe] of Object.entries(PROBES)) {
    it(`refuses: ${name}`, async () => {
      const before = snapshot();
      expect(before).to.have.length(3);
      for (const storage of [chatBob, evilBob]) {
        const { result, error } = await attempt(() => probe(storage.db));
        // Harm first (what the old text-level filter let through), then the refusal itself.
        expect(shown(result), 'leaked another persona\'s or extension\'s data').to.not.match(LEAK);
        expect(snapshot(), 'changed another persona\'s rows').to.deep.equal(before);
        expectRefusal(error);
      }
    });
  }

  it('a probe inside a migration is refused too, and the migration is not recorded', async () => {
    const before = snapshot();
    const hostile: Record<string, Migration> = {
      '002-hostile': {
        async up(db: Kysely<any>) {
          await db.schema.createTable('sqlite_stat9').addColumn('x', 'text').execute();
        },
      },
    };
    await expectRefused(() => evilBob.migrate(hostile));
    for (const up of [
      async (db: Kysely<any>) => void (await sql`DROP TABLE ext_chat__messages`.execute(db)),
      (db: Kysely<any>) => db.schema.dropTable('ext_chat__messages').execute(),
      (db: Kysely<any>) => db.schema.createView('v').as(db.selectFrom('notes').selectAll()).execute(),
      (db: Kysely<any>) => db.schema.createTable('t2').addColumn('x', 'text', (c) => c.check(sql`1`)).execute(),
      (db: Kysely<any>) => db.schema.createIndex('i2').on('notes').expression(sql`(SELECT 1)`).execute(),
    ]) {
      await expectRefused(() => evilBob.migrate({ '003-hostile': { up } }));
    }
    expect(await evilBob.migrate({ '001': EVIL['001']! }).then(() => 'ok')).to.equal('ok');
    expect(database.sqlite.prepare('SELECT name FROM kith_migrations_ext_evil').all()).to.deep.equal([{ name: '001' }]);
    expect(snapshot()).to.deep.equal(before);
  });

  it('an update or delete with no or a harmless where changes only the persona\'s own rows', async () => {
    expect(Number((await chatBob.db.updateTable('messages').set({ body: 'bob edited' }).executeTakeFirst()).numUpdatedRows)).to.equal(1);
    const wide = await chatBob.db.deleteFrom('messages').where((eb) => eb.or([eb('row_id', '>', 0), eb('body', 'like', '%')])).executeTakeFirst();
    expect(Number(wide.numDeletedRows)).to.equal(1);
    expect(snapshot()).to.deep.equal([
      { persona: ALICE, row_id: 1, body: 'alice secret 1' },
      { persona: ALICE, row_id: 2, body: 'alice secret 2' },
    ]);
  });

  it('a tree that is not plain data is refused (functions, proxies, symbols); a changing getter is read once', async () => {
    const legit = evilBob.db.selectFrom('notes').select('title').compile();
    const withFunction = { ...legit, query: { ...legit.query, toString: () => 'x' } };
    await expectRefused(() => evilBob.db.executeQuery(withFunction as any));
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: new Proxy(legit.query, {}) } as any));
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: { ...legit.query, tag: Symbol('x') } } as any));
    // A getter that answers `count` the first time and SQL after: the host checks and runs one copy.
    let reads = 0;
    const fn: Record<string, unknown> = { kind: 'FunctionNode', arguments: [] };
    Object.defineProperty(fn, 'func', { enumerable: true, get: () => (reads++ === 0 ? 'abs' : '(SELECT group_concat(body) FROM ext_chat__messages) || abs') });
    fn.arguments = [{ kind: 'ValueNode', value: 1 }];
    const selection = { kind: 'SelectionNode', selection: { kind: 'AliasNode', node: fn, alias: { kind: 'IdentifierNode', name: 'x' } } };
    const query = { ...legit.query, selections: [selection] };
    const rows = (await evilBob.db.executeQuery({ ...legit, query } as any)).rows;
    expect(rows).to.deep.equal([{ x: 1 }]);
    expect(reads).to.equal(1);
  });

  it('unknown fields and node kinds are refused (schema, or-action, raw roots)', async () => {
    const legit = evilBob.db.selectFrom('notes').select('title').compile();
    const from = legit.query as any;
    const schema = { ...from, from: { kind: 'FromNode', froms: [{ kind: 'TableNode', table: { kind: 'SchemableIdentifierNode', schema: { kind: 'IdentifierNode', name: 'main' }, identifier: { kind: 'IdentifierNode', name: 'notes' } } }] } };
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: schema }));
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: { ...from, explain: { kind: 'ExplainNode' } } }));
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: { kind: 'RawNode', sqlFragments: ['DELETE FROM ext_chat__messages'], parameters: [] } } as any));
    await expectRefused(() => evilBob.db.insertInto('notes').orIgnore().values({ id: 2, title: 'x' }).execute());
    // Inline values are written into the SQL: NaN/Infinity would become bare words.
    const inline = (value: unknown) => ({ ...from, where: { kind: 'WhereNode', where: { kind: 'ValueNode', value, immediate: true } } });
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: inline(Infinity) }));
    await expectRefused(() => evilBob.db.executeQuery({ ...legit, query: inline(new Uint8Array(1)) }));
    // A quote stays inside the literal: `'0'' OR ''1'` is false, not `'0' OR '1'`.
    expect((await evilBob.db.executeQuery({ ...legit, query: inline("0' OR '1") })).rows).to.deep.equal([]);
  });

  it('what chat, pairing and hello write still works', async () => {
    const db = chatBob.db;
    const rows = await db.selectFrom('messages').select(['row_id', (eb) => eb.fn.max('row_id').as('last'), (eb) => eb.fn.countAll().as('n')]).groupBy('row_id').orderBy('row_id', 'desc').limit(5).offset(0).execute();
    expect(rows.length).to.equal(1);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('messages').values({ body: 'in trx' }).execute();
    });
    expect((await db.selectFrom('messages').select('body').where('body', 'in', ['in trx', 'nope']).where('row_id', 'is not', null).execute()).length).to.equal(1);
  });
});
