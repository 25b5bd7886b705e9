/**
 * Issue #21: a context kept in a closure is useless once the extension stops. A real host (identity,
 * storage, sealing, friends, bus) runs an extension that keeps its context; after lock, after a
 * persona switch and after being turned off, every member throws KITH_ERR_CONTEXT_REVOKED.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExtensionContext } from '@kith/sdk';
import { startInProcessHost, type InProcessHost } from './harness/in-process-host.js';
import { writeExtension } from './harness/extension-fixture.js';

type Kept = { ctx?: ExtensionContext; db?: ExtensionContext['storage']['db'] };
const kept = () => ((globalThis as { __keeper?: Kept }).__keeper ??= {});

/** One call per member family; each must throw KITH_ERR_CONTEXT_REVOKED once revoked. */
const USES: Record<string, (ctx: ExtensionContext, db: Kept['db']) => unknown> = {
  storage: (ctx) => ctx.storage.migrate({}),
  'storage.db (kept handle)': (_ctx, db) => db!.selectFrom('notes').selectAll().execute(),
  sealing: (ctx) => ctx.sealing.sealText('x'),
  keys: (ctx) => ctx.keys.friendKey('aa'.repeat(32), 'x'),
  friends: (ctx) => ctx.friends.list(),
  sessions: (ctx) => ctx.sessions.all,
  streams: (ctx) => ctx.streams.random(),
  kinds: (ctx) => ctx.kinds.register('keeper.note', () => undefined),
  routes: (ctx) => ctx.routes.get('/keeper/hi', () => 1),
  events: (ctx) => ctx.events.emit('x', {}),
  timers: (ctx) => ctx.timers.setTimeout(() => undefined, 1),
  settings: (ctx) => ctx.settings.get('keeper.flag'),
  services: (ctx) => ctx.services.get('keeper.any'),
  network: (ctx) => ctx.network.discover(),
  rendezvous: (ctx) => ctx.rendezvous.time('https://example.invalid'),
  blobs: (ctx) => (ctx.blobs as unknown as Record<string, unknown>).list,
  diagnostics: (ctx) => ctx.diagnostics.trace({ stage: 'x', outcome: 'ok' }),
  'diagnostics.traces': (ctx) => ctx.diagnostics.traces(),
  'diagnostics.rooms': (ctx) => ctx.diagnostics.rooms(),
  log: (ctx) => ctx.log.info('late'),
};

async function codeOf(use: () => unknown): Promise<string> {
  try {
    await use();
    return 'none';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('extensions: a kept context is revoked on lock, persona switch and turning off', function () {
  this.timeout(90_000);
  let host: InProcessHost;
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-keeper-'));

  const expectAllRevoked = async (ctx: ExtensionContext, db: Kept['db']) => {
    const codes: Record<string, string> = {};
    for (const [name, use] of Object.entries(USES)) codes[name] = await codeOf(() => use(ctx, db));
    expect(codes).to.deep.equal(Object.fromEntries(Object.keys(USES).map((k) => [k, 'KITH_ERR_CONTEXT_REVOKED'])));
  };

  before(async () => {
    const root = writeExtension(
      source,
      'keeper',
      {
        id: 'keeper',
        kinds: ['keeper.note'],
        contributes: { routes: ['GET /keeper/hi'], settings: [{ id: 'keeper.flag', type: 'boolean', label: 'Flag', default: true }] },
      },
      `
export default { async activate(ctx) {
  await ctx.storage.migrate({ '001': { up: (db) => db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).execute() } });
  globalThis.__keeper = { ctx, db: ctx.storage.db };
} };`,
    );
    host = await startInProcessHost({ name: 'revoke', extensions: [root] });
  });
  after(async () => {
    await host?.close();
    fs.rmSync(source, { recursive: true, force: true });
  });

  it('works while the run is live', async () => {
    await host.createPersona('alice');
    const { ctx, db } = kept();
    expect(await db!.selectFrom('notes').selectAll().execute()).to.deep.equal([]);
    expect(ctx!.sealing.openText(ctx!.sealing.sealText('hi'))).to.equal('hi');
    expect(await ctx!.friends.list()).to.deep.equal([]);
  });

  it('revokes every member after lock', async () => {
    const { ctx, db } = kept();
    await host.lock();
    await expectAllRevoked(ctx!, db);
  });

  it('revokes the old persona\'s context after a switch to another persona', async () => {
    await host.createPersona('bob');
    const { ctx: bobCtx, db: bobDb } = kept();
    expect(bobCtx!.persona.label).to.equal('bob');
    await host.createPersona('carol');
    expect(kept().ctx!.persona.label).to.equal('carol');
    await expectAllRevoked(bobCtx!, bobDb);
  });

  it('revokes the context when the extension is turned off', async () => {
    const { ctx, db } = kept();
    await host.request('POST', '/extensions/keeper', { enabled: false });
    await expectAllRevoked(ctx!, db);
    expect(ctx!.extension.id, 'plain facts stay readable').to.equal('keeper');
  });
});
