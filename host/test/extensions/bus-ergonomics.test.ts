/**
 * Bus and UI ergonomics of the public SDK, between two real hosts (in this process: real HTTP,
 * SQLite, UDP, Noise sessions), paired through a real rendezvous. The extension under test
 * (fixtures/ergonomics) is bundled with its own copy of `@kith/sdk`, as a third-party one ships.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { build } from 'esbuild';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { befriend, connect, eventually } from '@kith/sdk/testing';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { startInProcessHost, type InProcessHost } from './harness/in-process-host.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../../..');
const sdkEntry = path.join(repo, 'sdk/src/index.ts');
const fixture = path.join(here, 'fixtures/ergonomics/extension.ts');

/** Type-check one file against the SDK sources; returns tsc's `file(line,col): error` lines. */
function typeErrors(dir: string, file: string): string[] {
  const config = {
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM'], strict: true, noEmit: true,
      skipLibCheck: true, isolatedModules: true, types: ['node'], typeRoots: [path.join(repo, 'node_modules/@types')],
      paths: { '@kith/sdk': [sdkEntry] },
    },
    files: [file],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
  const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  return tsc.stdout.split('\n').filter((line) => line.includes('error TS'));
}

/** Build the fixture into `<into>/ergo` (package.json + a bundle with the SDK runtime inside). */
async function buildErgo(into: string): Promise<string> {
  const root = path.join(into, 'ergo');
  fs.mkdirSync(root, { recursive: true });
  await build({
    entryPoints: [fixture], outfile: path.join(root, 'extension.js'),
    bundle: true, format: 'esm', platform: 'node', target: 'node20', alias: { '@kith/sdk': sdkEntry }, logLevel: 'warning',
    external: ['kysely'],
  });
  const kith = {
    id: 'ergo', displayName: 'Ergo', hostVersion: '^1.0.0', main: 'extension.js', kinds: ['ergo.note'],
    contributes: { routes: ['POST /ergo/send/:peer', 'GET /ergo/counter'] },
  };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'test-ergo', version: '1.0.0', type: 'module', kith }));
  return root;
}

interface Page {
  readonly t: InProcessHost;
  readonly key: string;
  readonly socket: Socket;
  readonly events: Array<[string, any]>;
}

async function startPage(name: string, ergo: string): Promise<Page> {
  const t = await startInProcessHost({ name, extensions: [ergo], builtin: true });
  const persona = await t.createPersona(name);
  const events: Array<[string, any]> = [];
  const socket = connectSocket(t.url, { path: '/api/ws', extraHeaders: { 'x-kith-secret': t.host.launchSecret }, transports: ['websocket'] });
  socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('connect_error', reject);
  });
  return { t, key: persona.key, socket, events };
}

const reports = (page: Page) => page.events.filter(([name]) => name === 'ergo:report').map(([, r]) => r);
const waitFor = (what: string, probe: () => any) => eventually(what, async () => probe(), 20_000);

describe('extensions: bus and UI ergonomics through the public SDK', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: Page;
  let bob: Page;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-ergo-'));
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const ergo = await buildErgo(work);
    [alice, bob] = await Promise.all([startPage('Alice', ergo), startPage('Bob', ergo)]);
    await befriend(alice.t, bob.t, rendezvous.url);
    await connect(alice.t, bob.t, rendezvous.url);
  });
  after(async () => {
    for (const page of [alice, bob]) page?.socket.close();
    await Promise.allSettled([alice?.t.close(), bob?.t.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a handler refuses one event with its reason: the sender gets a NACK carrying it, and the extension keeps running', async () => {
    const refused = await alice.t.request('POST', `/ergo/send/${bob.key}`, { text: 'bad apple', tag: 'm-bad' });
    const nack = await waitFor('the NACK', () => reports(alice).find((r) => r.eventId === refused.eventId));
    expect(nack).to.deep.equal({ outcome: 'nacked', eventId: refused.eventId, tag: 'm-bad', reason: 'refused', message: 'no thanks: bad apple' });

    // Bob's extension still runs: the next event is taken and delivered.
    const good = await alice.t.request('POST', `/ergo/send/${bob.key}`, { text: 'good apple' });
    await waitFor('delivery after a refusal', () => reports(alice).find((r) => r.eventId === good.eventId && r.outcome === 'delivered'));
    expect(bob.events.some(([name, p]) => name === 'ergo:got' && p.text === 'good apple')).to.equal(true);
    const listed = await bob.t.request('GET', '/extensions');
    expect(listed.extensions.find((e: any) => e.id === 'ergo')).to.include({ running: true, faulted: false });
    expect(bob.t.host.areas.bus.engine.refusedByHandlers.get('ergo')).to.equal(1);

    // The reason is the extension's words, cut to a bound.
    const long = await alice.t.request('POST', `/ergo/send/${bob.key}`, { text: 'long story' });
    const cut = await waitFor('the long NACK', () => reports(alice).find((r) => r.eventId === long.eventId));
    expect(cut.reason).to.equal('refused');
    expect(cut.message).to.equal('x'.repeat(200));
  });

  it('send tags come back in delivery reports; a bad tag is refused with KITH_ERR_BAD_REQUEST', async () => {
    const sent = await alice.t.request('POST', `/ergo/send/${bob.key}`, { text: 'tagged', tag: 'msg-42' });
    const delivered = await waitFor('the tagged delivery', () => reports(alice).find((r) => r.eventId === sent.eventId));
    expect(delivered).to.include({ outcome: 'delivered', tag: 'msg-42' });

    const untagged = await alice.t.request('POST', `/ergo/send/${bob.key}`, { text: 'plain' });
    expect(await waitFor('the untagged delivery', () => reports(alice).find((r) => r.eventId === untagged.eventId))).to.include({ tag: null });

    const tooLong = await alice.t.call('POST', `/ergo/send/${bob.key}`, { text: 'x', tag: 't'.repeat(129) });
    expect(tooLong.status).to.equal(400);
    expect(tooLong.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
  });

  it('onDidChangeCapabilities fires with the peer and its kinds when the friend turns the extension off and on', async () => {
    const caps = () => alice.events.filter(([name]) => name === 'ergo:caps').map(([, c]) => c);
    const before = caps().length;
    await bob.t.request('POST', '/extensions/ergo', { enabled: false });
    const off = await waitFor('capabilities without ergo.note', () => caps().slice(before).find((c) => !c.kinds.includes('ergo.note')));
    expect(off.peer).to.equal(bob.key);
    expect(off.kinds).to.include('chat.text');
    await bob.t.request('POST', '/extensions/ergo', { enabled: true });
    const on = await waitFor('capabilities with ergo.note again', () => caps().slice(before).find((c) => c.kinds.includes('ergo.note')));
    expect(on.peer).to.equal(bob.key);
  });

  it('typed UI event maps and service refs refuse wrong names, payloads and types at compile time', () => {
    const dir = fs.mkdtempSync(path.join(work, 'types-'));
    const source = fs.readFileSync(fixture, 'utf8');
    const copy = path.join(dir, 'extension.ts');
    fs.writeFileSync(copy, source);
    expect(typeErrors(dir, copy), 'the fixture as written').to.deep.equal([]);
    // Without the `@ts-expect-error` marks, each marked line must be an error of its own.
    const marked = source.split('\n').flatMap((line, i) => (line.includes('@ts-expect-error') ? [i + 2] : []));
    fs.writeFileSync(copy, source.replaceAll('// @ts-expect-error', '//'));
    const lines = typeErrors(dir, copy).map((line) => Number(/\((\d+),\d+\)/.exec(line)![1]));
    expect([...new Set(lines)].sort((a, b) => a - b)).to.deep.equal(marked);
  });

  it('typed UI events travel both ways, and a typed service ref reaches its implementation', async () => {
    alice.socket.emit('ergo:echo', { n: 41 });
    const echoed = await waitFor('the echo', () => alice.events.find(([name]) => name === 'ergo:echoed'));
    expect(echoed[1]).to.deep.equal({ n: 42 });
    expect(await alice.t.request('GET', '/ergo/counter')).to.deep.equal({ value: 1 });
    expect(await alice.t.request('GET', '/ergo/counter')).to.deep.equal({ value: 2 });
  });
});
