/**
 * The plain WebSocket event stream at `/api/ws` (the reference's clients speak it): the same
 * launch-secret, Host and Origin rules as socket.io, a snapshot first, every page event as a JSON
 * text frame, client frames delivered like a page's, bounded frames, closed on lock.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { DEFAULT_BUILTIN_DIR } from '../../src/host.js';
import { encodeEventFrame } from '../../src/gateway/plain-websocket.js';
import { befriendHosts, startTestHost, type TestHost } from '../net/host-fixture.js';

interface Frame {
  readonly event: string;
  readonly data: Record<string, unknown> & { peer?: string };
}

/** A plain client that keeps every frame it got. */
async function openPlain(host: TestHost, options: { headers?: Record<string, string>; protocols?: string[] } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${host.host.port}/api/ws`, options.protocols ?? [], { headers: options.headers });
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

/** The HTTP status a refused upgrade got. */
function refusedStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the socket opened')));
    ws.once('error', () => undefined);
  });
}

async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gateway: the plain WebSocket event stream at /api/ws', function () {
  this.timeout(60_000);
  let a: TestHost;
  let b: TestHost;

  before(async () => {
    const builtins = () => DEFAULT_BUILTIN_DIR;
    [a, b] = await Promise.all([startTestHost('plain-alice', { builtins }), startTestHost('plain-bob', { builtins })]);
    await befriendHosts(a, b);
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  it('writes bytes inside a payload as base64 (Buffer or Uint8Array alike)', () => {
    const frame = JSON.parse(encodeEventFrame('x:y', { buffer: Buffer.from('hi'), bytes: new Uint8Array([1, 2]), n: 1 }));
    expect(frame).to.deep.equal({ event: 'x:y', data: { buffer: { $bytes: 'aGk=' }, bytes: { $bytes: 'AQI=' }, n: 1 } });
  });

  it('refuses a client without the launch secret, with a wrong one, or from another origin (403, no socket)', async () => {
    const url = `ws://127.0.0.1:${a.host.port}/api/ws`;
    expect(await refusedStatus(url, {})).to.equal(403);
    expect(await refusedStatus(url, { 'x-kith-secret': 'x'.repeat(a.host.launchSecret.length) })).to.equal(403);
    expect(await refusedStatus(url, { 'x-kith-secret': a.host.launchSecret, origin: 'http://evil.example' })).to.equal(403);
    expect(await refusedStatus(`ws://127.0.0.1:${a.host.port}/api/elsewhere`, { 'x-kith-secret': a.host.launchSecret })).to.equal(400);
  });

  it('starts with a snapshot, then carries page events both ways as JSON frames', async () => {
    const alice = await openPlain(a, { headers: { 'x-kith-secret': a.host.launchSecret } });
    // A browser cannot set headers on a WebSocket: the secret may come as a subprotocol, which is echoed.
    const bob = await openPlain(b, { protocols: [`kith-secret.${b.host.launchSecret}`] });
    expect(bob.ws.protocol).to.equal(`kith-secret.${b.host.launchSecret}`);
    await until(() => alice.frames.length > 0 && bob.frames.length > 0, 'the snapshots');
    const snapshot = alice.frames[0]!;
    expect(snapshot.event).to.equal('snapshot');
    expect(snapshot.data).to.deep.include({ locked: false, sessions: [] });
    expect(snapshot.data.persona).to.deep.include({ slug: 'plain-alice', master_pubkey: a.peer, peer_id: a.peerId });

    const connected = await a.host.fetch('/api/connect', {
      method: 'POST', body: JSON.stringify({ peer: b.peer, ipv4: `127.0.0.1:${b.host.areas.net.udpPort}` }),
    });
    expect(connected.status).to.equal(200);
    await until(() => alice.frames.some((f) => f.event === 'session:open' && f.data.peer === b.peer), 'session:open');
    await until(() => (a.host.areas.bus.engine.session(b.peer) !== undefined), 'the bus session');
    const later = await openPlain(a, { headers: { 'x-kith-secret': a.host.launchSecret } });
    await until(() => later.frames.length > 0, 'a second snapshot');
    expect((later.frames[0]!.data.sessions as { peer: string }[]).map((s) => s.peer)).to.deep.equal([b.peer]);
    later.ws.close();

    // A client frame reaches the extension that listens for it (chat sends typing to the friend),
    // and the friend's plain client gets chat's event.
    alice.ws.send(JSON.stringify({ event: 'chat:typing', data: { peer: b.peer, typing: true } }));
    await until(() => bob.frames.some((f) => f.event === 'chat:typing' && f.data.peer === a.peer && f.data.typing === true), 'typing on the friend');

    // Bad frames get an error frame and the socket stays open; an oversized one closes it (1009).
    alice.ws.send('not json');
    alice.ws.send(Buffer.from([1, 2, 3]));
    alice.ws.send(JSON.stringify({ event: '' }));
    // An event nothing takes (here the reference's command name) is said to be so, not dropped in silence.
    alice.ws.send(JSON.stringify({ event: 'typing_start', data: { peer: b.peer } }));
    // Data nested past 64 levels would overflow the trip to an extension in its own process.
    alice.ws.send(`{"event":"chat:typing","data":${'['.repeat(3000)}${']'.repeat(3000)}}`);
    await until(() => alice.frames.filter((f) => f.event === 'error').length === 5, 'five error frames');
    const errors = alice.frames.filter((f) => f.event === 'error').map((f) => f.data);
    expect(errors.map((e) => e.code)).to.deep.equal(['KITH_ERR_BAD_REQUEST', 'KITH_ERR_BAD_REQUEST', 'KITH_ERR_BAD_REQUEST', 'KITH_ERR_NOT_FOUND', 'KITH_ERR_BAD_REQUEST']);
    expect(errors[3].message).to.contain('"typing_start"').and.to.contain('chat:typing');
    expect(errors[4].message).to.equal('A frame nests deeper than 64 levels');
    expect(alice.ws.readyState).to.equal(WebSocket.OPEN);
    const closed = new Promise<number>((resolve) => alice.ws.once('close', (code) => resolve(code)));
    alice.ws.send(JSON.stringify({ event: 'chat:typing', data: 'x'.repeat(70 * 1024) }));
    expect(await closed).to.equal(1009);

    // Locking closes every plain socket, like socket.io's.
    const bobClosed = new Promise<string>((resolve) => bob.ws.once('close', (_code, reason) => resolve(String(reason))));
    expect((await b.host.fetch('/api/identity/lock', { method: 'POST', body: '{}' })).status).to.equal(200);
    expect(await bobClosed).to.equal('locked');

    // A client that connects while Kith is locked is told so for each frame, not that nothing takes it.
    const locked = await openPlain(b, { headers: { 'x-kith-secret': b.host.launchSecret } });
    await until(() => locked.frames.length > 0, 'the locked snapshot');
    expect(locked.frames[0]!.data).to.deep.include({ locked: true });
    locked.ws.send(JSON.stringify({ event: 'chat:typing', data: { peer: a.peer, typing: true } }));
    await until(() => locked.frames.some((f) => f.event === 'error'), 'an error frame');
    expect(locked.frames.find((f) => f.event === 'error')!.data).to.include({ code: 'KITH_ERR_LOCKED' });
    locked.ws.close();
  });
});
