/**
 * A durable event for an extension that is on but not running this moment (it waits for a
 * dependency whose process crashed and restarts after a backoff) waits for it, as it would for a
 * locked host: it lands once the extension runs again, and the sender hears no refusal. Turned
 * off, the same kind is refused (kind-disabled), as before. (Outsider round 26: a point sent
 * during its provider's 1 s restart backoff was refused as "turned off" and lost.)
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

const LULL = `
export default { async activate(ctx) {
  await ctx.storage.migrate({ '001': { up: (db) => db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('text', 'text').execute() } });
  ctx.kinds.register('lull.note', async (event) => {
    await ctx.storage.db.insertInto('notes').values({ text: String(event.header.text) }).execute();
  });
  ctx.routes.post('/lull/send/:peer', async (req) => ctx.sessions.send(req.params.peer, ctx.streams.forFriend(req.params.peer, 'notes'), 'lull.note', { text: req.body.text }));
  ctx.routes.get('/lull/notes', async () => ({ notes: (await ctx.storage.db.selectFrom('notes').select('text').orderBy('id').execute()).map((r) => r.text) }));
} };`;
const BASE = `
export default { activate(ctx) {
  ctx.routes.post('/lull-base/crash', () => { setTimeout(() => process.exit(1), 20); return { bye: true }; });
} };`;

// Its handler takes 3 s to keep a note (a slow disk, a long computation).
const DAWDLE = `
export default { async activate(ctx) {
  await ctx.storage.migrate({ '001': { up: (db) => db.schema.createTable('notes').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('text', 'text').execute() } });
  ctx.kinds.register('dawdle.note', async (event) => {
    ctx.events.emit('started', { text: event.header.text });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await ctx.storage.db.insertInto('notes').values({ text: String(event.header.text) }).execute();
  });
  ctx.routes.post('/dawdle/send/:peer', async (req) => ctx.sessions.send(req.params.peer, ctx.streams.forFriend(req.params.peer, 'notes'), 'dawdle.note', { text: req.body.text }));
  ctx.routes.get('/dawdle/notes', async () => ({ notes: (await ctx.storage.db.selectFrom('notes').select('text').orderBy('id').execute()).map((r) => r.text) }));
} };`;

describe('isolation: a durable event waits for its extension to restart', function () {
  this.timeout(180_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-lull-'));
  const notesOf = async (host: TestHost) => (await host.request<{ notes: string[] }>('GET', '/lull/notes')).notes;
  const nacks = (host: TestHost) => host.events.received.filter((e) => e.name === 'bus:nack' && (e.payload as { kind?: string }).kind === 'lull.note');

  before(async () => {
    const base = writeExtension(source, 'lull-base', { id: 'lull-base', contributes: { routes: ['POST /lull-base/crash'] } }, BASE);
    const lull = writeExtension(source, 'lull', {
      id: 'lull',
      kinds: ['lull.note'],
      dependencies: { 'lull-base': '^1.0.0' },
      contributes: { routes: ['POST /lull/send/:peer', 'GET /lull/notes'] },
    }, LULL);
    const dawdle = writeExtension(source, 'dawdle', {
      id: 'dawdle',
      kinds: ['dawdle.note'],
      contributes: { routes: ['POST /dawdle/send/:peer', 'GET /dawdle/notes'] },
    }, DAWDLE);
    net = await startTestNetwork({ hosts: 2, extensions: [base, lull, dawdle] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
    fs.rmSync(source, { recursive: true, force: true });
  });

  it('lands once the extension runs again after its dependency crashed, with no refusal at the sender', async () => {
    await alice.request('POST', `/lull/send/${bob.persona!.key}`, { text: 'before' });
    await eventually('the first note arrives', async () => (await notesOf(bob)).includes('before'));
    await bob.request('POST', '/lull-base/crash');
    await eventually('lull is down on Bob', async () => (await bob.call('GET', '/lull/notes')).status === 503, 10_000, 10);
    await alice.request('POST', `/lull/send/${bob.persona!.key}`, { text: 'during the restart' });
    await eventually('the note sent while lull was down arrives', async () => {
      const answer = await bob.call<{ notes: string[] }>('GET', '/lull/notes');
      return answer.status === 200 && answer.body.notes.includes('during the restart');
    }, 60_000);
    expect(await notesOf(bob)).to.deep.equal(['before', 'during the restart']);
    expect(nacks(alice), 'no refusal reached the sender').to.deep.equal([]);
  });

  it('is refused as turned off when the friend turned the extension off', async () => {
    await bob.request('POST', '/extensions/lull', { enabled: false });
    await alice.request('POST', `/lull/send/${bob.persona!.key}`, { text: 'while off' });
    await eventually('Alice hears the refusal', async () => nacks(alice).length > 0, 30_000);
    expect((nacks(alice)[0]!.payload as { reason: string }).reason).to.equal('kind-disabled');
  });

  it('is refused as turned off, not as a fault, when the extension is turned off while its handler works on it', async () => {
    // The handler's run is stopped on purpose: the event is neither taken nor refused by it; the
    // sender's retry then meets the extension off (kind-disabled), exactly as an event sent a moment
    // later would. It used to be refused with KITH_ERR_EXTENSION_FAULTED though nothing had faulted.
    const dawdleNacks = () => alice.events.received.filter((e) => e.name === 'bus:nack' && (e.payload as { kind?: string }).kind === 'dawdle.note');
    await alice.request('POST', `/dawdle/send/${bob.persona!.key}`, { text: 'slow one' });
    await bob.events.waitFor('dawdle:started', (p: any) => p.text === 'slow one', 20_000);
    await bob.request('POST', '/extensions/dawdle', { enabled: false });
    await eventually('Alice hears the refusal', async () => dawdleNacks().length > 0, 30_000);
    expect(dawdleNacks().map((e) => (e.payload as { reason: string }).reason)).to.deep.equal(['kind-disabled']);
    const status = (await bob.request<{ extensions: { id: string; faulted: boolean }[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'dawdle');
    expect(status?.faulted).to.equal(false);
  });
});
