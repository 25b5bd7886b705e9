/**
 * Issue #21, in-process: an error that escapes an extension's code (after activate, from an async
 * timer callback, from a floating promise in a route) faults only that extension; an activate that
 * never settles is cut off at the deadline without delaying anyone else's routes; crash faults are
 * remembered across a restart until the user turns the extension on again.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

/** Long enough that a cold first request (module import, tsx) never reaches it on a busy machine. */
const DEADLINE_MS = 3000;
type Counters = Record<string, number>;
const counters = () => ((globalThis as { __crash?: Counters }).__crash ??= {});

function installCrashFixtures(dir: string): void {
  const count = (id: string) => `(globalThis.__crash ??= {})['${id}'] = ((globalThis.__crash ??= {})['${id}'] ?? 0) + 1;`;
  writeExtension(dir, 'async-timer', { id: 'async-timer' }, `
export default { activate(ctx) { ${count('async-timer')} ctx.timers.setTimeout(async () => { throw new Error('async timer rejected'); }, 20); } };`);
  writeExtension(dir, 'bare-throw', { id: 'bare-throw' }, `
export default { activate() { ${count('bare-throw')} setTimeout(() => { throw new Error('bare timer threw'); }, 20); } };`);
  writeExtension(dir, 'after-activate', { id: 'after-activate' }, `
export default { async activate() { ${count('after-activate')} setTimeout(() => Promise.reject(new Error('rejected after activate')), 20); } };`);
  writeExtension(dir, 'floating', { id: 'floating', contributes: { routes: ['GET /floating/go'] } }, `
export default { activate(ctx) { ${count('floating')} ctx.routes.get('/floating/go', () => { Promise.reject(new Error('floating route promise')); return { ok: true }; }); } };`);
  writeExtension(dir, 'hang', { id: 'hang', contributes: { routes: ['GET /hang/hi'] } }, `
export default { activate(ctx) { ${count('hang')} ctx.routes.get('/hang/hi', () => 'never'); return new Promise(() => {}); } };`);
  writeExtension(dir, 'steady', { id: 'steady', contributes: { routes: ['GET /steady/hi'] } }, `
export default { activate(ctx) { ${count('steady')} ctx.routes.get('/steady/hi', () => ({ hi: ctx.persona.slug })); } };`);
}

describe('extensions: crash containment and the activation deadline (in-process)', function () {
  this.timeout(60_000);
  let h: ExtensionsHarness;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-crash-'));
  const alice = testPersona('alice');
  const start = () => startExtensionsHarness({ dataDir, install: installCrashFixtures, sources: { activateTimeoutMs: DEADLINE_MS } });
  const entry = async (id: string) => (await h.json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === id);
  const waitFor = async (check: () => Promise<boolean>, ms = 10_000) => {
    const until = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  before(async () => {
    h = await start();
  });
  after(async () => {
    await h?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a steady extension\'s route during unlock while another activate hangs', async () => {
    const began = Date.now();
    h.gate.set(alice);
    const answer = await h.json('/api/steady/hi');
    const tookMs = Date.now() - began;
    expect(answer).to.deep.equal({ status: 200, body: { hi: 'alice' } });
    expect(tookMs, 'the hung activate must not delay steady').to.be.below(DEADLINE_MS);
    // hang's activate is still pending: steady did not wait for it.
    expect(h.area.manager.status('hang')).to.include({ faulted: false });
  });

  it('cuts a hung activate off at the deadline and faults only it', async () => {
    const hung = await h.json('/api/hang/hi');
    expect(hung.status).to.equal(503);
    expect(hung.body.error.message).to.contain(`did not finish activate within ${DEADLINE_MS} ms`);
    const hang = await entry('hang');
    expect(hang).to.include({ faulted: true, running: false });
  });

  it('faults each extension whose code lets an error escape, and only it; the host keeps serving', async () => {
    await waitFor(async () => ['async-timer', 'bare-throw', 'after-activate'].every((id) => counters()[id] === 1));
    for (const [id, reason] of [
      ['async-timer', 'async timer rejected'],
      ['bare-throw', 'bare timer threw'],
      ['after-activate', 'rejected after activate'],
    ] as const) {
      await waitFor(async () => (await entry(id)).faulted);
      const e = await entry(id);
      expect(e, id).to.include({ running: false, faulted: true });
      expect(e.error.code).to.equal('KITH_ERR_EXTENSION_FAULTED');
      expect(e.error.message).to.contain(`Extension "${id}"`).and.contain(reason);
    }
    expect((await h.json('/api/floating/go')).body).to.deep.equal({ ok: true });
    await waitFor(async () => (await entry('floating')).faulted);
    expect((await entry('floating')).error.message).to.contain('floating route promise');
    expect((await h.fetch('/api/health')).status).to.equal(200);
    expect((await h.json('/api/steady/hi')).body).to.deep.equal({ hi: 'alice' });
    expect((await entry('steady'))).to.include({ running: true, faulted: false });
  });

  it('remembers crash faults across a restart: they do not run again until turned on', async () => {
    await h.close();
    const before = { ...counters() };
    h = await start();
    h.gate.set(alice);
    await h.area.manager.settled();
    for (const id of ['async-timer', 'bare-throw', 'after-activate', 'floating', 'hang']) {
      const e = await entry(id);
      expect(e, id).to.include({ running: false, faulted: true });
      expect(counters()[id], `${id} must not run again`).to.equal(before[id]);
    }
    expect((await h.json('/api/steady/hi')).status).to.equal(200);
    expect(counters().steady).to.equal(before.steady! + 1);
  });

  it('runs a crashed extension again once the user turns it on', async () => {
    const before = counters()['after-activate']!;
    const on = await h.json('/api/extensions/after-activate', { method: 'POST', body: JSON.stringify({ enabled: true }) });
    expect(on.status).to.equal(200);
    expect(counters()['after-activate']).to.equal(before + 1);
    await waitFor(async () => (await entry('after-activate')).faulted);
  });
});
