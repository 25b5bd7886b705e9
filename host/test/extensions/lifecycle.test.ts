import { expect } from 'chai';
import { io as connect } from 'socket.io-client';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { installLifecycleFixtures, probe } from './harness/lifecycle-fixtures.js';
import { testPersona } from './harness/test-persona.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('extensions: per-persona lifecycle over real HTTP', () => {
  let h: ExtensionsHarness;
  const alice = testPersona('alice');
  const bob = testPersona('bob');
  const ticker = probe('ticker');
  const crashy = probe('crashy');

  const entry = async (id: string) => {
    const { status, body } = await h.json('/api/extensions');
    expect(status).to.equal(200);
    return body.extensions.find((e: { id: string }) => e.id === id);
  };
  const toggle = (id: string, enabled: boolean) => h.json(`/api/extensions/${id}`, { method: 'POST', body: JSON.stringify({ enabled }) });
  const unlock = async (persona: typeof alice | undefined) => {
    h.gate.set(persona);
    await h.area.manager.settled();
  };

  before(async () => {
    h = await startExtensionsHarness({ install: installLifecycleFixtures });
  });
  after(async () => {
    await h?.close();
  });

  it('runs nothing and answers 423 while locked', async () => {
    expect((await h.json('/api/extensions')).status).to.equal(423);
    expect((await h.json('/api/ticker/count')).status).to.equal(423);
    expect(ticker.activations).to.equal(0);
  });

  it('activates the enabled extensions when a persona unlocks; their routes answer', async () => {
    await unlock(alice);
    const { status, body } = await h.json('/api/ticker/count');
    expect(status).to.equal(200);
    expect(body.persona).to.equal('alice');
    expect(ticker.activations).to.equal(1);
    await sleep(40);
    expect(ticker.ticks).to.be.greaterThan(0);
    expect((await h.json('/api/leaning/clock')).body.now).to.be.a('number');
  });

  it('lists every extension with its state, contributions and errors', async () => {
    const t = await entry('ticker');
    expect(t).to.include({ id: 'ticker', name: 'Ticker', version: '1.2.3', builtin: false, enabled: true, running: true, faulted: false, error: null });
    expect(t.contributes.routes).to.include('GET /ticker/count');
    expect(t.settings).to.deep.equal({ 'ticker.step': 1, 'ticker.repeat': 2 });
    const crashy = await entry('crashy');
    expect(crashy).to.include({ enabled: true, running: false, faulted: true });
    expect(crashy.error.message).to.equal('activate exploded');
    expect((await entry('shy')).enabled).to.equal(false);
    const broken = await entry('broken');
    expect(broken.faulted).to.equal(true);
    expect(broken.error.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(broken.error.message).to.contain('kith.id');
    expect((await h.fetch('/api/health')).status).to.equal(200);
  });

  it('answers a faulted extension\'s routes 503 and an off one\'s 404, naming it', async () => {
    const crashed = await h.json('/api/crashy/hi');
    expect(crashed.status).to.equal(503);
    expect(crashed.body.error.code).to.equal('KITH_ERR_EXTENSION_FAULTED');
    expect(crashed.body.error.message).to.contain('crashy').and.contain('activate exploded');
    const off = await h.json('/api/shy/hi');
    expect(off.status).to.equal(404);
    expect(off.body.error.code).to.equal('KITH_ERR_EXTENSION_DISABLED');
    expect(off.body.error.message).to.contain('"Shy" (shy)');
  });

  it('applies RouteHandler semantics: JSON, 204, params, body limits before parsing, raw bodies', async () => {
    expect((await h.fetch('/api/ticker/none')).status).to.equal(204);
    expect((await h.json('/api/ticker/items/abc')).body).to.deep.equal({ name: 'abc' });
    expect((await h.json('/api/ticker/echo', { method: 'POST', body: JSON.stringify({ a: 1 }) })).body).to.deep.equal({ got: { a: 1 } });
    const tooBig = await h.json('/api/ticker/echo', { method: 'POST', body: JSON.stringify({ a: 'x'.repeat(200) }) });
    expect(tooBig.status).to.equal(413);
    expect(tooBig.body.error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    const badJson = await h.json('/api/ticker/echo', { method: 'POST', body: '{nope' });
    expect(badJson.status).to.equal(400);
    const raw = await h.json('/api/ticker/raw', { method: 'POST', body: new Uint8Array(600), headers: { 'content-type': 'application/octet-stream' } });
    expect(raw.body).to.deep.equal({ bytes: 600 });
    expect((await h.json('/api/ticker/raw', { method: 'POST', body: new Uint8Array(1001) })).status).to.equal(413);
  });

  it('enforces the registration rules: declared paths only, no duplicates, own service ids, absent members throw', () => {
    expect(ticker.codes).to.include({
      undeclared: 'KITH_ERR_BAD_REQUEST',
      duplicate: 'KITH_ERR_DUPLICATE',
      network: 'KITH_ERR_NOT_AVAILABLE',
      foreignService: 'KITH_ERR_BAD_REQUEST',
    });
  });

  it('records diagnostics traces with the extension as source, in the active persona\'s log', async () => {
    // The host keeps the log; the diagnostics extension (not installed here) serves it.
    const trace = h.kernel.diagnostics.traces.list().find((e) => e.source === 'ticker');
    expect(trace).to.include({ stage: 'ticker.start', outcome: 'ok', detail: 'started for alice' });
    expect(h.kernel.diagnostics.rendezvous.list()).to.deep.equal([]);
    expect((await h.json('/api/diagnostics/traces')).status, 'the host serves no diagnostics route itself').to.equal(404);
  });

  it('carries UI events as <ext-id>:<name> both ways over socket.io', async () => {
    const socket = connect(h.url, { path: '/api/ws', extraHeaders: { 'x-kith-secret': h.kernel.launchSecret }, transports: ['websocket'] });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', () => resolve());
        socket.on('connect_error', reject);
      });
      const pong = new Promise((resolve) => socket.on('ticker:pong', resolve));
      socket.emit('ticker:ping', { n: 7 });
      expect(await pong).to.deep.equal({ echo: { n: 7 } });
    } finally {
      socket.close();
    }
  });

  it('updates settings through the API and tells the running extension', async () => {
    const put = await h.json('/api/extensions/ticker/settings/ticker.step', { method: 'PUT', body: JSON.stringify({ value: 3 }) });
    expect(put).to.deep.equal({ status: 200, body: { id: 'ticker.step', value: 3 } });
    expect(ticker.codes.settingChanged).to.equal('ticker.step=3');
    expect((await h.json('/api/ticker/count')).body.step).to.equal(3);
    const wrongType = await h.json('/api/extensions/ticker/settings/ticker.step', { method: 'PUT', body: JSON.stringify({ value: 'x' }) });
    expect(wrongType.status).to.equal(400);
    for (const value of [0, 101, -5, 1e9]) {
      const outside = await h.json('/api/extensions/ticker/settings/ticker.step', { method: 'PUT', body: JSON.stringify({ value }) });
      expect(outside.status, String(value)).to.equal(400);
      expect(outside.body.error.message).to.equal('Setting "ticker.step" must be from 1 to 100');
    }
    expect((await h.json('/api/ticker/count')).body.step, 'the value in range stays').to.equal(3);
    // A fraction fits a number setting unless it is declared whole.
    const putSetting = (id: string, value: number) => h.json(`/api/extensions/ticker/settings/${id}`, { method: 'PUT', body: JSON.stringify({ value }) });
    expect((await putSetting('ticker.step', 2.5)).status).to.equal(200);
    const fraction = await putSetting('ticker.repeat', 2.5);
    expect(fraction.status).to.equal(400);
    expect(fraction.body.error.message).to.equal('Setting "ticker.repeat" must be a whole number from 1 to 10');
    expect((await putSetting('ticker.repeat', 4)).status).to.equal(200);
    expect((await putSetting('ticker.step', 3)).status).to.equal(200);
    expect((await h.json('/api/extensions/ticker/settings/nope', { method: 'PUT', body: JSON.stringify({ value: 1 }) })).status).to.equal(404);
  });

  it('turns an extension off at once: routes 404 naming it, timers stopped, dependents stopped; on brings all back', async () => {
    const off = await toggle('ticker', false);
    expect(off.status).to.equal(200);
    expect(off.body).to.include({ enabled: false, running: false });
    expect(ticker.deactivations).to.equal(1);
    const res = await h.json('/api/ticker/count');
    expect(res.status).to.equal(404);
    expect(res.body.error).to.deep.include({ code: 'KITH_ERR_EXTENSION_DISABLED', details: { extension: 'ticker' } });
    const frozen = ticker.ticks;
    await sleep(40);
    expect(ticker.ticks).to.equal(frozen);
    expect(h.area.services.list()).to.deep.equal([]);
    expect(h.area.routes.registered().filter((k) => k.includes('/ticker/'))).to.deep.equal([]);
    const leaning = await entry('leaning');
    expect(leaning).to.include({ enabled: true, running: false, faulted: true });
    expect(leaning.error.code).to.equal('KITH_ERR_DEPENDENCY_MISSING');
    expect((await h.json('/api/leaning/clock')).status).to.equal(503);

    const on = await toggle('ticker', true);
    expect(on.body).to.include({ enabled: true, running: true });
    expect(ticker.activations).to.equal(2);
    expect((await h.json('/api/ticker/count')).status).to.equal(200);
    expect((await h.json('/api/leaning/clock')).status).to.equal(200);
    await sleep(40);
    expect(ticker.ticks).to.be.greaterThan(frozen);
  });

  it('refuses a bad toggle body and an unknown extension', async () => {
    expect((await h.json('/api/extensions/ticker', { method: 'POST', body: JSON.stringify({ enabled: 'no' }) })).status).to.equal(400);
    expect((await h.json('/api/extensions/nope', { method: 'POST', body: JSON.stringify({ enabled: true }) })).status).to.equal(404);
  });

  it('serves only the declared UI module of a running extension, as JavaScript, outside /api', async () => {
    const res = await fetch(`${h.url}/ext/paneled/ui/panel.js`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(await res.text()).to.contain('customElements.define("paneled-main"');
    expect((await entry('paneled')).uiModuleUrl).to.equal('/ext/paneled/ui/panel.js');
    for (const other of ['/ext/paneled/ui/secret.txt', '/ext/paneled/package.json', '/ext/paneled/main.mjs', '/ext/ticker/ui/panel.js']) {
      expect((await fetch(`${h.url}${other}`)).status, other).to.equal(404);
    }
    await toggle('paneled', false);
    expect((await fetch(`${h.url}/ext/paneled/ui/panel.js`)).status).to.equal(404);
    await toggle('paneled', true);
  });

  it('re-evaluates on persona switch: each persona has its own switches', async () => {
    await unlock(bob);
    expect((await h.json('/api/ticker/count')).body.persona).to.equal('bob');
    await toggle('ticker', false);
    await toggle('shy', true);
    expect((await h.json('/api/shy/hi')).body).to.deep.equal({ hi: 'shy' });
    await unlock(alice);
    expect((await h.json('/api/ticker/count')).body.persona).to.equal('alice');
    expect((await h.json('/api/shy/hi')).status).to.equal(404);
    await unlock(bob);
    expect((await h.json('/api/ticker/count')).status).to.equal(404);
    expect((await h.json('/api/shy/hi')).status).to.equal(200);
    await unlock(alice);
  });

  it('retries a faulted extension on a persona switch and reports the new failure', async () => {
    const before = crashy.activations;
    await unlock(bob);
    await unlock(alice);
    expect(crashy.activations).to.equal(before + 2);
    expect((await entry('crashy')).error.message).to.equal('activate exploded');
  });

  it('answers a full disk met by a handler with 507, escaped or not, and faults nothing', async () => {
    const full = await h.json('/api/ticker/full');
    expect(full.status).to.equal(507);
    expect(full.body.error.code).to.equal('KITH_ERR_DISK_FULL');
    expect((await h.json('/api/ticker/full-later')).status).to.equal(200);
    await sleep(50); // the rejection is seen after the answer
    await h.area.manager.settled();
    expect(await entry('ticker')).to.include({ running: true, faulted: false });
    expect((await h.json('/api/ticker/count')).status).to.equal(200);
  });

  it('faults an extension whose handler throws, stops it, and keeps serving the rest', async () => {
    const before = ticker.deactivations;
    const boom = await h.json('/api/ticker/boom');
    expect(boom.status).to.equal(503);
    expect(boom.body.error.code).to.equal('KITH_ERR_EXTENSION_FAULTED');
    await h.area.manager.settled();
    const t = await entry('ticker');
    expect(t).to.include({ running: false, faulted: true });
    expect(t.error.message).to.equal('kaboom');
    expect(ticker.deactivations).to.equal(before + 1);
    expect((await h.json('/api/ticker/count')).status).to.equal(503);
    expect((await h.json('/api/extensions')).status).to.equal(200);
    await toggle('ticker', true);
    expect((await h.json('/api/ticker/count')).status).to.equal(200);
  });

  it('deactivates everything on lock', async () => {
    const before = ticker.deactivations;
    await unlock(undefined);
    expect(ticker.deactivations).to.equal(before + 1);
    const frozen = ticker.ticks;
    await sleep(30);
    expect(ticker.ticks).to.equal(frozen);
    expect(h.area.routes.registered()).to.deep.equal([]);
    expect((await h.json('/api/ticker/count')).status).to.equal(423);
  });
});
