import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeExtension } from '../extensions/harness/extension-fixture.js';
import type { TestPersona } from '@kith/sdk/testing';
import { startInProcessHost, type InProcessHost } from '../extensions/harness/in-process-host.js';

/**
 * Issue #21's storage probes run by real extensions through their `ctx.storage` on a running host:
 * "victim" keeps notes per persona; "evil" (another extension) and victim itself (as another
 * persona) try the escapes. Each is refused, and Alice's notes read back unchanged.
 */
const VICTIM = `
const MIGRATIONS = { '001': { async up(db) {
  await db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()).addColumn('body', 'text').execute();
} } };
async function outcome(run) {
  try { return { ran: await run() }; } catch (e) { return { code: e.code ?? String(e) }; }
}
export default {
  async activate(ctx) {
    await ctx.storage.migrate(MIGRATIONS);
    const db = ctx.storage.db;
    ctx.routes.post('/victim/notes', async (req) => { await db.insertInto('notes').values({ body: req.body.body }).execute(); return { ok: true }; });
    ctx.routes.get('/victim/notes', async () => db.selectFrom('notes').select('body').orderBy('id').execute());
    ctx.routes.post('/victim/probe', async (req) => {
      const probes = {
        deleteBreakout: () => db.deleteFrom('notes').where((eb) => eb.fn('1) OR (1 = 1 OR abs', [eb.val(0)])).execute(),
        updateBreakout: () => db.updateTable('notes').set({ body: 'pwned' }).where((eb) => eb.fn('1) OR (1 = 1 OR abs', [eb.val(0)])).execute(),
        readOtherPersona: () => db.selectFrom('notes').select((eb) => eb.fn('(SELECT group_concat(body) FROM ext_victim__notes) || trim', [eb.val('')]).as('x')).execute(),
      };
      return outcome(probes[req.body.probe]);
    });
  },
};
`;

const EVIL = `
async function outcome(run) {
  try { return { ran: await run() }; } catch (e) { return { code: e.code ?? String(e) }; }
}
export default {
  async activate(ctx) {
    await ctx.storage.migrate({ '001': { async up(db) { await db.schema.createTable('x').addColumn('id', 'integer').execute(); } } });
    await ctx.storage.db.insertInto('x').values({ id: 1 }).execute();
    const db = ctx.storage.db;
    ctx.routes.post('/evil/probe', async (req) => {
      const probes = {
        fnSubquery: () => db.selectFrom('x').select((eb) => eb.fn('(SELECT group_concat(body) FROM ext_victim__notes) || trim', [eb.val('')]).as('x')).execute(),
        fnSchema: () => db.selectFrom('x').select((eb) => eb.fn('(SELECT group_concat(sql) FROM sqlite_master) || trim', [eb.val('')]).as('x')).execute(),
        leadingSpace: () => db.selectFrom('x').select((eb) => eb.fn(' sqlite_version', []).as('v')).execute(),
        otherTable: () => db.selectFrom('ext_victim__notes').selectAll().execute(),
        otherColumn: () => db.selectFrom('x').select('ext_victim__notes.body').execute(),
        catalogue: () => db.selectFrom('sqlite_master').selectAll().execute(),
        schema: () => db.selectFrom('main.x').selectAll().execute(),
        deleteOther: () => db.deleteFrom('ext_victim__notes').execute(),
      };
      return outcome(probes[req.body.probe]);
    });
  },
};
`;

describe('storage probes through real extensions on a running host (issue #21)', function () {
  this.timeout(60_000);
  let dir: string;
  let t: InProcessHost;
  let alice: TestPersona;
  let bob: TestPersona;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-storage-ext-'));
    const victim = writeExtension(dir, 'victim', { id: 'victim', contributes: { routes: ['POST /victim/notes', 'GET /victim/notes', 'POST /victim/probe'] } }, VICTIM);
    const evil = writeExtension(dir, 'evil', { id: 'evil', contributes: { routes: ['POST /evil/probe'] } }, EVIL);
    t = await startInProcessHost({ name: 'probes', extensions: [victim, evil] });
    alice = await t.createPersona('alice');
    await t.request('POST', '/victim/notes', { body: 'alice secret' });
    bob = await t.createPersona('bob');
    await t.request('POST', '/victim/notes', { body: 'bob own' });
  });
  after(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const aliceNotes = async (): Promise<unknown> => {
    await t.unlock(alice);
    const notes = await t.request('GET', '/victim/notes');
    await t.unlock(bob);
    return notes;
  };

  for (const probe of ['deleteBreakout', 'updateBreakout', 'readOtherPersona']) {
    it(`victim as Bob: ${probe} is refused, Alice's note unchanged`, async () => {
      const answer = await t.request('POST', '/victim/probe', { probe });
      expect(answer).to.deep.equal({ code: 'KITH_ERR_QUERY_REFUSED' });
      expect(await aliceNotes()).to.deep.equal([{ body: 'alice secret' }]);
      expect(await t.request('GET', '/victim/notes')).to.deep.equal([{ body: 'bob own' }]);
    });
  }

  for (const probe of ['fnSubquery', 'fnSchema', 'leadingSpace', 'otherTable', 'otherColumn', 'catalogue', 'schema', 'deleteOther']) {
    it(`another extension: ${probe} is refused, victim's notes unchanged`, async () => {
      const answer = await t.request('POST', '/evil/probe', { probe });
      expect(answer).to.deep.equal({ code: 'KITH_ERR_QUERY_REFUSED' });
      expect(await t.request('GET', '/victim/notes')).to.deep.equal([{ body: 'bob own' }]);
      expect(await aliceNotes()).to.deep.equal([{ body: 'alice secret' }]);
    });
  }
});
