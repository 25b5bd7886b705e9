/**
 * Timed session listeners (issue #14) through the public SDK: a third-party extension
 * (fixtures/timed-listener, bundled with its own SDK copy) binds listeners with
 * `ctx.network.listenForSessions` on real hosts (in this process: real HTTP, SQLite, UDP, Noise
 * KK), paired through a real rendezvous. A test-side UDP relay stands between Alice and Bob's
 * listener where a test must see, hold or replay datagrams.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { befriend, eventually } from '@kith/sdk/testing';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { startInProcessHost, type InProcessHost } from '../extensions/harness/in-process-host.js';
import { buildTimedListenerFixture } from './support/timed-listener-fixture.js';
import { DATA, HELLO, HELLO_ACK, UdpProxy } from './support/udp-proxy.js';

const loopback = (port: number) => ({ address: '127.0.0.1', port, family: 'ipv4' as const });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const typeOf = (data: Buffer) => data[1];

describe('net: timed listeners that become sessions (ctx.network.listenForSessions)', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: InProcessHost;
  let bob: InProcessHost;
  let carol: InProcessHost;
  const proxies: UdpProxy[] = [];

  const listen = (host: InProcessHost, windowMs: number) => host.request('POST', '/tl/listen', { windowMs });
  const listenerOf = (host: InProcessHost, id: string) => host.request('GET', `/tl/listeners/${id}`);
  const sessionWith = async (host: InProcessHost, peer: InProcessHost) =>
    (await host.request('GET', '/sessions')).sessions.find((s: any) => s.peer === peer.persona!.key);
  const notesAt = async (host: InProcessHost) => (await host.request('GET', '/tl/notes')).notes.map((n: any) => n.text);
  const closeSession = async (a: InProcessHost, b: InProcessHost) => {
    // Both sides: a Close sent through a relay the test already stopped would never arrive.
    if (await sessionWith(a, b)) await a.call('DELETE', `/sessions/${b.persona!.key}`);
    if (await sessionWith(b, a)) await b.call('DELETE', `/sessions/${a.persona!.key}`);
    await eventually('no session left', async () => !(await sessionWith(a, b)) && !(await sessionWith(b, a)));
  };
  const relayTo = async (port: number) => {
    const proxy = await UdpProxy.start(port);
    proxies.push(proxy);
    return proxy;
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-tl-'));
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const fixture = await buildTimedListenerFixture(work);
    [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => startInProcessHost({ name, extensions: [fixture], builtin: true })));
    await Promise.all([alice, bob, carol].map((h) => h.createPersona(h.name)));
    await befriend(alice, bob, rendezvous.url);
    // Carol keeps Bob as a friend, Bob forgets Carol: her handshakes are a stranger's to him.
    await befriend(carol, bob, rendezvous.url);
    await bob.request('DELETE', `/friends/${carol.persona!.key}`, { propagate: false });
  });
  afterEach(async () => {
    await closeSession(alice, bob);
    for (const proxy of proxies.splice(0)) proxy.close();
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close(), carol?.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a friend\'s handshake on the listener becomes a session over its socket: notes flow both ways, a replayed HELLO gets no answer', async () => {
    const listener = await listen(bob, 20_000);
    expect(listener.state).to.equal('listening');
    const relay = await relayTo(listener.local.port);
    const opened = await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${relay.port}` });
    expect(opened.ok).to.equal(true);

    const atBob = await eventually('Bob\'s listener saw the session', async () => (await listenerOf(bob, listener.id)).opened[0]);
    expect(atBob).to.include({ peer: alice.persona!.key, initiator: false });
    expect(atBob.remote.port).to.equal(relay.port);
    const stats = (await bob.request('GET', `/tl/diag/session/${alice.persona!.key}`)).session;
    expect(stats.socket).to.deep.equal({ kind: 'listener', extension: 'tl', local: listener.local });
    expect(stats.openedBy.rung).to.equal('listener');
    expect((await sessionWith(bob, alice)).socket).to.deep.equal(stats.socket);

    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'to bob over his listener' });
    await bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'back to alice' });
    await eventually('Bob got the note', async () => (await notesAt(bob)).includes('to bob over his listener'));
    await eventually('Alice got the answer', async () => (await notesAt(alice)).includes('back to alice'));
    // Bob's answer left through the listener's socket: it reached Alice through the relay.
    expect(relay.toClient.filter((d) => typeOf(d) === DATA).length).to.be.greaterThan(0);

    // Replay Alice's first HELLO from the same address: counted, never answered.
    const before = (await listenerOf(bob, listener.id)).counters;
    const acksBefore = relay.toClient.filter((d) => typeOf(d) === HELLO_ACK).length;
    await relay.replay(relay.toTarget.find((d) => typeOf(d) === HELLO)!);
    const after = await eventually('the replay is counted', async () => {
      const c = (await listenerOf(bob, listener.id)).counters;
      return c.rejected > before.rejected ? c : undefined;
    });
    expect(after.reasons['hello-repeated-key']).to.equal((before.reasons['hello-repeated-key'] ?? 0) + 1);
    await sleep(300);
    expect(relay.toClient.filter((d) => typeOf(d) === HELLO_ACK).length).to.equal(acksBefore);
  });

  it('two listeners open one session by simultaneous open at an agreed instant', async () => {
    const [a, b] = await Promise.all([listen(alice, 20_000), listen(bob, 20_000)]);
    const atMs = Date.now() + 400;
    const [fromAlice, fromBob] = await Promise.all([
      alice.request('POST', `/tl/listeners/${a.id}/connect`, { peer: bob.persona!.key, endpoints: [loopback(b.local.port)], atMs }),
      bob.request('POST', `/tl/listeners/${b.id}/connect`, { peer: alice.persona!.key, endpoints: [loopback(a.local.port)], atMs }),
    ]);
    expect(fromAlice.session.remote.port).to.equal(b.local.port);
    expect(fromBob.session.remote.port).to.equal(a.local.port);
    expect(fromAlice.session.initiator).to.not.equal(fromBob.session.initiator);
    for (const [host, peer, own] of [[alice, bob, a], [bob, alice, b]] as const) {
      const stats = (await host.request('GET', `/tl/diag/session/${peer.persona!.key}`)).session;
      expect(stats.socket.kind).to.equal('listener');
      expect(stats.socket.local.port).to.equal(own.local.port);
    }
    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'simultaneous hello' });
    await eventually('the note over the two listeners', async () => (await notesAt(bob)).includes('simultaneous hello'));
  });

  it('a stranger\'s handshake gets no reply at all and is counted; so is garbage', async () => {
    const listener = await listen(bob, 20_000);
    const stranger = await listen(carol, 20_000);
    const tried = await carol.call('POST', `/tl/listeners/${stranger.id}/connect`, {
      peer: bob.persona!.key, endpoints: [loopback(listener.local.port)], timeoutMs: 1_500,
    });
    expect(tried.body.error.code).to.equal('KITH_ERR_TIMEOUT');
    // Nothing came back to Carol's socket: not an ACK, not an error.
    const carolSide = (await listenerOf(carol, stranger.id)).counters;
    expect(carolSide).to.deep.equal({ accepted: 0, rejected: 0, reasons: {} });
    const bobSide = (await listenerOf(bob, listener.id)).counters;
    expect(bobSide.reasons['hello-unknown-peer']).to.be.greaterThan(5); // a burst, every HELLO counted
    expect(bobSide.accepted).to.equal(0);

    // Garbage from a plain socket: counted by reason, no answer.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    const answers: Buffer[] = [];
    probe.on('message', (data) => answers.push(data));
    const send = (data: Buffer) => new Promise<void>((resolve) => probe.send(data, listener.local.port, '127.0.0.1', () => resolve()));
    await send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await send(Buffer.from([0xcc, 0x09, 1, 2, 3]));
    await send(Buffer.concat([Buffer.from([0xcc, HELLO]), Buffer.alloc(120, 0x5a)]));
    await send(Buffer.concat([Buffer.from([0xcc, DATA]), Buffer.alloc(60, 0x11)]));
    const counted = await eventually('the garbage is counted', async () => {
      const c = (await listenerOf(bob, listener.id)).counters;
      return c.rejected >= bobSide.rejected + 4 ? c : undefined;
    });
    expect(counted.reasons['bad-magic']).to.equal(1);
    expect(counted.reasons['peer-unknown-type']).to.equal(1);
    expect(counted.reasons['hello-unknown-peer']).to.equal(bobSide.reasons['hello-unknown-peer'] + 1);
    expect(counted.reasons['data-unknown-index']).to.equal(1);
    await sleep(300);
    expect(answers).to.deep.equal([]);
    probe.close();

    // The host-wide sum sees them too, and Bob has no session with Carol.
    const totals = await bob.request('GET', '/tl/diag/counters');
    expect(totals.listeners.reasons['hello-unknown-peer']).to.be.at.least(counted.reasons['hello-unknown-peer']);
    expect(totals.listeners.reasons['bad-magic']).to.be.at.least(1);
    const tester = await bob.request('GET', '/diagnostics/net'); // the diagnostics extension's view
    expect(tester.listener_counters.reasons['hello-unknown-peer']).to.equal(totals.listeners.reasons['hello-unknown-peer']);
    expect(await sessionWith(bob, carol)).to.equal(undefined);
  });

  it('a window that ends while a handshake is in flight leaves no half-open session on either side, and the socket closed', async () => {
    const listener = await listen(bob, 2_000);
    const relay = await relayTo(listener.local.port);
    relay.hold = (data) => typeOf(data) === DATA; // Alice's confirmation never reaches Bob in time
    await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${relay.port}` });
    // Alice read Bob's HELLO-ACK, so her side counts the session open; Bob's waits for the confirmation.
    expect(await sessionWith(alice, bob)).to.not.equal(undefined);
    expect(await sessionWith(bob, alice)).to.equal(undefined);

    const closed = await eventually('the window ends', async () => {
      const view = await listenerOf(bob, listener.id);
      return view.state === 'closed' ? view : undefined;
    }, 10_000);
    expect(closed.closedReason).to.equal('window-ended');
    expect(closed.opened).to.deep.equal([]);
    // Bob told Alice with a sealed Close under the handshake's keys: her session is gone too.
    await eventually('Alice\'s half of the session is closed', async () => !(await sessionWith(alice, bob)), 5_000);
    expect(await sessionWith(bob, alice)).to.equal(undefined);

    // The port is free again (the socket is closed), and the held confirmation opens nothing.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(listener.local.port, '0.0.0.0', () => resolve());
    });
    again.close();
    for (const data of relay.held) await relay.replay(data);
    await sleep(200);
    expect(await sessionWith(bob, alice)).to.equal(undefined);
  });

  it('after its window a listener keeps carrying its session, then closes when the session ends', async () => {
    const listener = await listen(bob, 1_500);
    await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${listener.local.port}` });
    await eventually('Bob\'s side of the session', async () => (await listenerOf(bob, listener.id)).opened.length === 1);
    await sleep(1_800);
    expect((await listenerOf(bob, listener.id)).state).to.equal('carrying-sessions');
    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'after the window' });
    await eventually('a note after the window', async () => (await notesAt(bob)).includes('after the window'));

    await alice.request('DELETE', `/sessions/${bob.persona!.key}`);
    const view = await eventually('the listener closes with its last session', async () => {
      const v = await listenerOf(bob, listener.id);
      return v.state === 'closed' ? v : undefined;
    });
    expect(view.closedReason).to.equal('sessions-ended');
  });

  it('turning the extension off closes its listener and the sessions over it (the friend hears it)', async () => {
    const listener = await listen(bob, 20_000);
    await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${listener.local.port}` });
    await eventually('Bob\'s side of the session', async () => (await listenerOf(bob, listener.id)).opened.length === 1);
    await bob.request('POST', '/extensions/tl', { enabled: false });
    await eventually('both sides closed', async () => !(await sessionWith(alice, bob)) && !(await sessionWith(bob, alice)), 5_000);
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(listener.local.port, '0.0.0.0', () => resolve());
    });
    again.close();
    await bob.request('POST', '/extensions/tl', { enabled: true });
  });

  it('a listener limited to other friends gives a saved friend no answer either', async () => {
    const listener = await bob.request('POST', '/tl/listen', { windowMs: 20_000, peers: [carol.persona!.key] });
    const own = await listen(alice, 20_000);
    const tried = await alice.call('POST', `/tl/listeners/${own.id}/connect`, {
      peer: bob.persona!.key, endpoints: [loopback(listener.local.port)], timeoutMs: 1_000,
    });
    expect(tried.body.error.code).to.equal('KITH_ERR_TIMEOUT');
    expect((await listenerOf(alice, own.id)).counters).to.deep.equal({ accepted: 0, rejected: 0, reasons: {} });
    const counted = (await listenerOf(bob, listener.id)).counters;
    expect(counted.reasons['hello-not-allowed']).to.be.greaterThan(5);
    expect(counted.accepted).to.equal(0);
    const outward = await bob.call('POST', `/tl/listeners/${listener.id}/connect`, { peer: alice.persona!.key, endpoints: [loopback(own.local.port)] });
    expect(outward.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const bad = await bob.call('POST', '/tl/listen', { windowMs: 5_000, peers: ['not-a-key'] });
    expect(bad.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
  });

  it('listeners whose windows ended leave nothing behind: 40 windows, the extension\'s tracked resources stay flat', async () => {
    const run = () => bob.host.areas.extensions.manager.run('tl')!;
    const settle = async () => {
      const ids: string[] = [];
      // 10 at a time: well under the 16 listeners a host allows, whatever earlier tests left open.
      for (let i = 0; i < 10; i++) ids.push((await listen(bob, 50)).id);
      await eventually('every window over', async () => {
        for (const id of ids) if ((await listenerOf(bob, id)).state !== 'closed') return false;
        return true;
      });
    };
    await settle();
    const tracked = run().trackedCount;
    for (let round = 0; round < 3; round++) await settle();
    // A leak keeps 30 more after three rounds; clean-up that trails a window's close by a tick does not.
    await eventually(`tracked resources back to ${tracked}`, async () => run().trackedCount <= tracked, 10_000);
    expect(run().trackedCount).to.be.at.most(tracked);
  });

  it('refuses bad windows and endpoints, and a stranger to connect to', async () => {
    const tooLong = await bob.call('POST', '/tl/listen', { windowMs: 16 * 60_000 });
    expect(tooLong.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const past = await bob.call('POST', '/tl/listen', { windowMs: -5 });
    expect(past.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const listener = await listen(bob, 5_000);
    const v6 = await bob.call('POST', `/tl/listeners/${listener.id}/connect`, { peer: alice.persona!.key, endpoints: [{ address: '::1', port: 9, family: 'ipv6' }] });
    expect(v6.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const none = await bob.call('POST', `/tl/listeners/${listener.id}/connect`, { peer: alice.persona!.key, endpoints: [] });
    expect(none.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const stranger = await bob.call('POST', `/tl/listeners/${listener.id}/connect`, { peer: carol.persona!.key, endpoints: [loopback(9)] });
    expect(stranger.body.error.code).to.equal('KITH_ERR_NOT_FOUND');
    await bob.request('DELETE', `/tl/listeners/${listener.id}`);
    expect((await listenerOf(bob, listener.id)).closedReason).to.equal('disposed');
  });
});
