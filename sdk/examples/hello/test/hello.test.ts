import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestHost, type TestHost, type TestPersona } from '@kith/sdk/testing';
import { buildInstallableHello } from './support/build-installable.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second extension whose activate throws. */
function writeCrashy(into: string): string {
  const root = path.join(into, 'crashy');
  fs.mkdirSync(root, { recursive: true });
  const kith = { id: 'crashy', displayName: 'Crashy', hostVersion: '^1.0.0', main: 'main.mjs' };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'crashy', version: '0.1.0', kith }));
  fs.writeFileSync(path.join(root, 'main.mjs'), "export function activate() { throw new Error('crashy refuses to start'); }\n");
  return root;
}

describe('example extension "hello" installed into a real host', function () {
  this.timeout(60_000);
  let work: string;
  let t: TestHost;
  let alice: TestPersona;
  /** Heartbeats the page received so far. */
  const beats = () => t.events.received.filter((e) => e.name === 'hello:heartbeat');

  const json = async (route: string, init?: RequestInit) => {
    const res = await t.fetch(route, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const hello = async () => (await json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === 'hello');
  const toggle = (enabled: boolean) => json('/api/extensions/hello', { method: 'POST', body: JSON.stringify({ enabled }) });
  const setting = (id: string, value: unknown) =>
    json(`/api/extensions/hello/settings/${id}`, { method: 'PUT', body: JSON.stringify({ value }) });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hello-'));
    t = await startTestHost({ extensions: [buildInstallableHello(work), writeCrashy(work)], builtin: false });
    alice = await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers its route for the unlocked persona', async () => {
    const { status, body } = await json('/api/hello/greeting');
    expect(status).to.equal(200);
    expect(body).to.include({ greeting: 'Hello, Alice!', persona: alice.slug, waves: 0 });
  });

  it('is listed as a running user extension, in its own process, with its kind registered and its UI module served', async () => {
    const entry = await hello();
    expect(entry).to.include({ builtin: false, enabled: true, running: true, faulted: false, isolation: 'process', uiModuleUrl: '/ext/hello/dist/ui.js' });
    expect(entry.registeredKinds).to.deep.equal(['hello.wave']);
    expect(entry.contributes.views[0]).to.include({ element: 'hello-panel', slot: 'page' });
    const ui = await fetch(`${t.url}${entry.uiModuleUrl}`);
    expect(ui.status).to.equal(200);
    expect(ui.headers.get('content-type')).to.match(/^text\/javascript/);
    expect(await ui.text()).to.contain('customElements.define("hello-panel"');
  });

  it('runs its timer and follows a setting change at once', async () => {
    expect((await setting('hello.heartbeat-ms', 20)).status).to.equal(200);
    await sleep(150);
    expect(beats().length).to.be.greaterThan(2);
    expect((await setting('hello.loud', true)).status).to.equal(200);
    expect((await json('/api/hello/greeting')).body.greeting).to.equal('HELLO, ALICE!');
  });

  it('turned off: its route answers 404 naming it, its kind and timer are gone; no restart', async () => {
    const off = await toggle(false);
    expect(off.body).to.include({ enabled: false, running: false });
    expect(off.body.registeredKinds).to.deep.equal([]);
    const res = await json('/api/hello/greeting');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('KITH_ERR_EXTENSION_DISABLED');
    expect(res.body.error.message).to.contain('"Hello" (hello)');
    const count = beats().length;
    await sleep(150);
    expect(beats().length).to.equal(count);
    expect((await fetch(`${t.url}/ext/hello/dist/ui.js`)).status).to.equal(404);
  });

  it('turned on again: route, kind and timer are back', async () => {
    const on = await toggle(true);
    expect(on.body).to.include({ enabled: true, running: true });
    expect(on.body.registeredKinds).to.deep.equal(['hello.wave']);
    expect((await json('/api/hello/greeting')).status).to.equal(200);
    const count = beats().length;
    await sleep(150);
    expect(beats().length).to.be.greaterThan(count);
  });

  it('an extension whose activate throws is faulted, and the host keeps serving', async () => {
    const list = (await json('/api/extensions')).body.extensions;
    const crashy = list.find((e: { id: string }) => e.id === 'crashy');
    expect(crashy).to.include({ enabled: true, running: false, faulted: true });
    expect(crashy.error).to.deep.equal({ code: 'KITH_ERR_INTERNAL', message: 'crashy refuses to start' });
    expect((await t.fetch('/api/health')).status).to.equal(200);
    expect((await json('/api/hello/greeting')).status).to.equal(200);
  });

  it('a persona switch re-evaluates what runs', async () => {
    const bob = await t.createPersona('Bob');
    expect((await json('/api/hello/greeting')).body).to.include({ greeting: 'Hello, Bob!', persona: bob.slug });
    await toggle(false);
    await t.unlock(alice);
    expect((await json('/api/hello/greeting')).body.persona).to.equal(alice.slug);
    await t.unlock(bob);
    expect((await json('/api/hello/greeting')).status).to.equal(404);
    await t.lock();
    expect((await json('/api/hello/greeting')).status).to.equal(423);
  });
});
