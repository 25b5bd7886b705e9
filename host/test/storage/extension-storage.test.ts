import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';
import { isKithError } from '@kith/sdk';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { createExtensionStorage } from '../../src/storage/extension-storage.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

const MIGRATIONS: Record<string, Migration> = {
  '001-notes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text')
        .execute();
      await db.schema
        .createTable('tags')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('note_id', 'integer', (c) => c.references('notes.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .execute();
      await db.schema.createIndex('notes_title').on('notes').column('title').execute();
    },
  },
};

async function refused(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    expect(isKithError(error), String(error)).to.equal(true);
    expect((error as { code: string }).code).to.equal('KITH_ERR_QUERY_REFUSED');
    return;
  }
  expect.fail('the query ran');
}

describe('storage/extension-storage: namespaces and persona isolation', () => {
  let dir: string;
  let database: Database;
  let alice: Kysely<any>;
  let bob: Kysely<any>;
  let aliceNote: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-extstore-'));
    database = await openDatabase(dir);
    const a = createExtensionStorage(database, 'notes-ext', ALICE);
    const b = createExtensionStorage(database, 'notes-ext', BOB);
    await Promise.all([a.migrate(MIGRATIONS), b.migrate(MIGRATIONS)]);
    await a.migrate(MIGRATIONS);
    alice = a.db;
    bob = b.db;
    const row = await alice.insertInto('notes').values({ title: 'alice secret', body: 'hidden' }).returning('id').executeTakeFirstOrThrow();
    aliceNote = row.id as number;
    await alice.insertInto('tags').values({ id: 't1', note_id: aliceNote, name: 'private' }).execute();
    await bob.insertInto('notes').values({ title: 'bob note', body: 'mine' }).execute();
  });
  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('maps logical names to ext_<id>__<name>, adds the persona column, records the migration once', () => {
    const tables = (database.sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index') AND name LIKE 'ext_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).to.include.members(['ext_notes_ext__notes', 'ext_notes_ext__tags', 'ext_notes_ext__notes_title']);
    const columns = (database.sqlite.prepare("PRAGMA table_info('ext_notes_ext__notes')").all() as { name: string }[]).map((c) => c.name);
    expect(columns[0]).to.equal('persona');
    const book = database.sqlite.prepare('SELECT name FROM kith_migrations_ext_notes_ext').all();
    expect(book).to.deep.equal([{ name: '001-notes' }]);
    const raw = database.sqlite.prepare('SELECT persona, title FROM ext_notes_ext__notes ORDER BY id').all();
    expect(raw).to.deep.equal([{ persona: ALICE, title: 'alice secret' }, { persona: BOB, title: 'bob note' }]);
  });

  it('select: each persona sees only its rows, even with OR conditions and subqueries', async () => {
    const all = await bob.selectFrom('notes').selectAll().execute();
    expect(all.map((r) => r.title)).to.deep.equal(['bob note']);
    // The host's persona column is never part of an answer, not even of selectAll or returning *.
    expect(Object.keys(all[0]!)).to.not.include('persona');
    const returned = await bob.insertInto('notes').values({ title: 'returned', body: '' }).returningAll().executeTakeFirstOrThrow();
    expect(Object.keys(returned)).to.not.include('persona');
    await bob.deleteFrom('notes').where('id', '=', returned.id as number).execute();
    expect((await alice.selectFrom('notes').select('title').execute()).map((r) => r.title)).to.deep.equal(['alice secret']);
    const widened = await bob
      .selectFrom('notes')
      .select('title')
      .where((eb) => eb.or([eb('title', '=', 'alice secret'), eb('id', '>', 0)]))
      .execute();
    expect(widened.map((r) => r.title)).to.deep.equal(['bob note']);
    const viaSubquery = await bob.selectFrom('notes').select('title').where('id', 'in', (eb: any) => eb.selectFrom('tags').select('note_id')).execute();
    expect(viaSubquery).to.deep.equal([]);
    const counted = await bob.selectFrom('notes as n').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(counted.n)).to.equal(1);
    const viaCte = await bob.with('all_notes', (db) => db.selectFrom('notes').select('title')).selectFrom('all_notes').selectAll().execute();
    expect(viaCte.map((r) => r.title)).to.deep.equal(['bob note']);
  });

  it('joins: inner and left joins never pair a row with another persona\'s rows', async () => {
    const inner = await bob.selectFrom('tags').innerJoin('notes', 'notes.id', 'tags.note_id').select(['tags.name', 'notes.title']).execute();
    expect(inner).to.deep.equal([]);
    const left = await bob
      .selectFrom('notes as n')
      .leftJoin('tags as t', (join) => join.onRef('t.note_id', '=', 'n.id').on((eb) => eb.or([eb('t.name', '=', 'private'), eb('t.id', 'is not', null)])))
      .select(['n.title', 't.name'])
      .execute();
    expect(left).to.deep.equal([{ title: 'bob note', name: null }]);
    const cross = await bob.selectFrom(['notes', 'tags']).select(['notes.title', 'tags.name']).execute();
    expect(cross).to.deep.equal([]);
    const own = await alice.selectFrom('tags').innerJoin('notes', 'notes.id', 'tags.note_id').select(['tags.name', 'notes.title']).execute();
    expect(own).to.deep.equal([{ name: 'private', title: 'alice secret' }]);
  });

  it('update and delete touch only the persona\'s rows', async () => {
    const updated = await bob.updateTable('notes').set({ body: 'pwned' }).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).to.equal(1);
    const deleted = await bob.deleteFrom('tags').executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).to.equal(0);
    const targeted = await bob.deleteFrom('notes').where('id', '=', aliceNote).executeTakeFirst();
    expect(Number(targeted.numDeletedRows)).to.equal(0);
    const mine = await alice.selectFrom('notes').select('body').executeTakeFirstOrThrow();
    expect(mine.body).to.equal('hidden');
    expect(await alice.selectFrom('tags').select('id').execute()).to.deep.equal([{ id: 't1' }]);
  });

  it('keys are per persona: the same id or unique value in two personas, and upserts stay in their lane', async () => {
    await bob.insertInto('tags').values({ id: 't1', note_id: null, name: 'private' }).execute();
    await bob
      .insertInto('tags')
      .values({ id: 't1', note_id: null, name: 'renamed' })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: 'renamed' }))
      .execute();
    expect(await bob.selectFrom('tags').select(['id', 'name']).execute()).to.deep.equal([{ id: 't1', name: 'renamed' }]);
    expect(await alice.selectFrom('tags').select(['id', 'name']).execute()).to.deep.equal([{ id: 't1', name: 'private' }]);
    // The same key twice in one persona: a catalogued conflict, named as the extension named it.
    const duplicate = await bob.insertInto('tags').values({ id: 't1', note_id: null, name: 'again' }).execute().then(() => undefined, (e: unknown) => e);
    expect(duplicate).to.include({ code: 'KITH_ERR_CONFLICT' });
    expect(String(duplicate)).to.match(/UNIQUE constraint failed: tags\./).and.not.match(/ext_notes_ext__/);
  });

  it('refuses raw SQL, hand-compiled text, other schemas and the persona column', async () => {
    await refused(() => sql`SELECT * FROM ext_notes_ext__notes`.execute(bob));
    await refused(() => bob.executeQuery(CompiledQuery.raw('SELECT * FROM ext_notes_ext__notes')));
    await refused(() => bob.withoutPlugins().selectFrom('ext_notes_ext__notes').selectAll().execute());
    // The SQL text and parameters an extension compiles are never sent: the host compiles the tree itself.
    const legit = bob.selectFrom('notes').selectAll().compile();
    const bobsRows = (await bob.executeQuery(legit)).rows;
    expect(bobsRows).to.have.length.greaterThan(0);
    expect((await bob.executeQuery({ ...legit, sql: 'SELECT * FROM ext_notes_ext__notes' })).rows).to.deep.equal(bobsRows);
    expect((await bob.executeQuery({ ...legit, parameters: [ALICE] })).rows).to.deep.equal(bobsRows);
    await refused(() => bob.selectFrom('notes').select(sql`title`.as('t')).execute());
    await refused(() => bob.selectFrom('notes').selectAll().orderBy(sql`(select 1 from extension_state)`).execute());
    // kysely's own keyword fragments still work
    expect((await bob.selectFrom('notes').select('title').orderBy('id', 'desc').execute())[0]?.title).to.be.a('string');
    await refused(() => bob.selectFrom('main.notes' as any).selectAll().execute());
    await refused(() => bob.updateTable('notes').set({ persona: ALICE }).execute());
    await refused(() => bob.insertInto('notes').values({ title: 'x', persona: ALICE }).execute());
    await refused(() => bob.selectFrom('notes').select((eb) => eb.fn('pragma_table_info', [eb.val('friends')]).as('x')).execute());
    await refused(() => bob.schema.createTable('late').addColumn('x', 'text').execute());
    await refused(() => bob.replaceInto('notes').values({ title: 'x' }).execute());
    // host tables are out of reach: names always land in the extension's namespace
    let error: unknown;
    try {
      await bob.selectFrom('extension_state').selectAll().execute();
    } catch (e) {
      error = e;
    }
    // Said as the extension named it (no host namespace in the message), as a catalogued error.
    expect(error).to.include({ code: 'KITH_ERR_QUERY_REFUSED' });
    expect(String(error)).to.match(/Scoped storage: no such table: extension_state$/);
    expect((error as { details?: unknown }).details).to.deep.equal({ sqlite: 'SQLITE_ERROR' });
  });

  it('another extension cannot see these tables', async () => {
    const other = createExtensionStorage(database, 'other', BOB).db;
    let error: unknown;
    try {
      await other.selectFrom('notes').selectAll().execute();
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/no such table: notes$/);
  });

  it('transactions work through the scoped handle and roll back', async () => {
    try {
      await bob.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ title: 'in trx' }).execute();
        throw new Error('abort');
      });
    } catch {
      /* expected */
    }
    expect((await bob.selectFrom('notes').select('title').execute()).map((r) => r.title)).to.deep.equal(['bob note']);
    await bob.transaction().execute(async (trx) => {
      await trx.insertInto('notes').values({ title: 'committed' }).execute();
    });
    expect((await bob.selectFrom('notes').select('title').orderBy('id').execute()).map((r) => r.title)).to.deep.equal(['bob note', 'committed']);
  });
});
