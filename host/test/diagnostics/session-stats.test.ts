/**
 * The read side of ctx.diagnostics (issue #14) through the public SDK: a third-party extension
 * (host/test/net/fixtures/timed-listener) reads session stats, counters and connect attempts on
 * two real hosts in this process (real HTTP, SQLite, UDP, Noise KK) paired and connected through
 * a real rendezvous, and watches the throttled change events while notes flow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { befriend, connect, eventually } from '@kith/sdk/testing';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { startInProcessHost, type InProcessHost } from '../extensions/harness/in-process-host.js';
import { buildTimedListenerFixture } from '../net/support/timed-listener-fixture.js';
import { DATA, UdpProxy } from '../net/support/udp-proxy.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('diagnostics: session stats, counters and attempts through ctx.diagnostics', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: InProcessHost;
  let bob: InProcessHost;

  const statsOf = async (host: InProcessHost, peer: InProcessHost) =>
    (await host.request('GET', `/tl/diag/session/${peer.persona!.key}`)).session;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-diag-'));
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const fixture = await buildTimedListenerFixture(work);
    [alice, bob] = await Promise.all(['Alice', 'Bob'].map((name) => startInProcessHost({ name, extensions: [fixture], builtin: true })));
    await Promise.all([alice, bob].map((h) => h.createPersona(h.name)));
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('describes a live session: path, socket, the rung and stages that opened it, the cipher', async () => {
    const { sessions } = await alice.request('GET', '/tl/diag/sessions');
    expect(sessions).to.have.length(1);
    const stats = sessions[0];
    expect(stats.peer).to.equal(bob.persona!.key);
    expect(stats.socket).to.deep.equal({ kind: 'main' });
    expect(stats.path).to.be.oneOf(['loopback', 'lan', 'ipv4-punch', 'ipv6-direct']);
    expect(stats.cipher).to.include({ protocol: 'Noise_KK_25519_ChaChaPoly_SHA256', aead: 'ChaCha20-Poly1305', rekeys: 0 });
    expect(stats.openedBy.rung).to.be.oneOf(['ipv6-direct', 'ipv4-punch', 'lan-direct']);
    const stages = stats.openedBy.stages.map((s: any) => s.stage);
    expect(stages).to.include.members(['clock-sync', 'rendezvous-request', 'await-accept', stats.openedBy.rung]);
    expect(stats.openedBy.stages.find((s: any) => s.stage === stats.openedBy.rung)).to.include({ outcome: 'ok' });
    for (const stage of stats.openedBy.stages) expect(stage.ms === null || typeof stage.ms === 'number').to.equal(true);
    expect(stats.loss.inbound).to.equal(0); // loopback loses nothing
    // Only public facts: the two peer keys are the only 64-hex strings, no buffers, no persona secrets.
    const text = JSON.stringify(sessions);
    for (const hex of text.match(/[0-9a-f]{64}/g) ?? []) expect([alice.persona!.key, bob.persona!.key]).to.include(hex);
    expect(text).to.not.include('Buffer');
    expect(text).to.not.include(alice.persona!.passphrase);
    expect(text).to.not.include(alice.persona!.mnemonic.split(' ').slice(0, 3).join(' '));
  });

  it('stats move as traffic flows: bytes and packets each way, RTT from acknowledgements, rates; change events at most once a second', async () => {
    const before = await statsOf(alice, bob);
    await alice.request('POST', '/tl/diag/watch');
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const text = `note ${i}`;
      sent.push(text);
      await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text, bytes: 900 });
      await sleep(200);
    }
    await eventually('every note arrived', async () => {
      const { notes } = await bob.request('GET', '/tl/notes');
      return sent.every((t) => notes.some((n: any) => n.text === t));
    });
    const after = await eventually('an RTT from acknowledgements', async () => {
      const s = await statsOf(alice, bob);
      return s.rtt.source === 'bus-acks' ? s : undefined;
    });
    expect(after.traffic.bytesOut - before.traffic.bytesOut).to.be.greaterThan(12 * 900);
    expect(after.traffic.packetsOut).to.be.greaterThan(before.traffic.packetsOut);
    expect(after.traffic.bytesIn).to.be.greaterThan(before.traffic.bytesIn); // acknowledgements
    expect(after.rtt.smoothedMs).to.be.a('number').and.to.be.at.least(0).and.below(2_000);
    expect(after.rtt.latestMs).to.be.a('number').and.to.be.at.least(0);
    const atBob = await statsOf(bob, alice);
    expect(atBob.traffic.bytesIn).to.be.greaterThan(12 * 900);
    expect(atBob.traffic.packetsIn).to.be.at.least(after.traffic.packetsOut - 50);

    const changes = await eventually('change events', async () => {
      const c = await alice.request('GET', '/tl/diag/changes');
      return c.count >= 2 ? c : undefined;
    });
    const gaps = changes.at.slice(1).map((t: number, i: number) => t - changes.at[i]);
    for (const gap of gaps) expect(gap).to.be.at.least(900);
    const last = changes.last.sessions.find((s: any) => s.peer === bob.persona!.key);
    expect(last.traffic.bytesOut).to.be.greaterThan(before.traffic.bytesOut);
    expect(Math.max(...changes.outRates)).to.be.greaterThan(900); // at least one note's worth per second
    if (process.env.KITH_DIAG_PRINT) console.log(JSON.stringify({ after, gaps, outRates: changes.outRates }, null, 1));
    expect(changes.last.counters.mainPort.accepted).to.be.greaterThan(0);
  });

  it('reads the net counters and the connect attempts, grouped, newest first', async () => {
    const counters = await alice.request('GET', '/tl/diag/counters');
    expect(counters.udpPort).to.be.greaterThan(0);
    expect(counters.mainPort.accepted).to.be.greaterThan(0);
    expect(counters.mainPort).to.have.keys(['accepted', 'rejected', 'reasons']);
    expect(counters.listeners).to.have.keys(['accepted', 'rejected', 'reasons']);
    const { attempts } = await alice.request('GET', '/tl/diag/attempts');
    expect(attempts.length).to.be.at.least(1);
    const attempt = attempts[0];
    expect(attempt).to.include({ peer: bob.persona!.key, outcome: 'ok' });
    const stages = attempt.steps.map((s: any) => s.stage);
    expect(stages[0]).to.equal('clock-sync');
    expect(stages[stages.length - 1]).to.equal('connect');
    for (let i = 1; i < attempt.steps.length; i++) expect(attempt.steps[i].at).to.be.at.least(attempt.steps[i - 1].at);
    // The rendezvous activity the connect went through (joins, publishes, polls), newest first.
    const { entries } = await alice.request('GET', '/tl/diag/rendezvous');
    expect(entries.length).to.be.at.least(1);
    expect(entries[0]).to.include.keys(['stage', 'outcome', 'at', 'source']);
    for (let i = 1; i < entries.length; i++) expect(entries[i].at).to.be.at.most(entries[i - 1].at);
  });

  it('another persona on the same host sees none of it', async () => {
    const first = bob.persona!;
    expect((await bob.request('GET', '/tl/diag/attempts')).attempts.length).to.be.at.least(1);
    await bob.createPersona('Bob two');
    expect((await bob.request('GET', '/tl/diag/sessions')).sessions).to.deep.equal([]);
    expect((await bob.request('GET', '/tl/diag/attempts')).attempts).to.deep.equal([]);
    expect((await bob.request('GET', '/tl/diag/rendezvous')).entries).to.deep.equal([]);
    expect((await bob.request('GET', `/tl/diag/session/${alice.persona!.key}`)).session).to.equal(null);
    await bob.unlock(first);
  });

  it('a lossy path shows: the receiver counts the sender\'s missing datagrams, the sender its retransmits', async () => {
    const listener = await bob.request('POST', '/tl/listen', { windowMs: 30_000 });
    const relay = await UdpProxy.start(listener.local.port);
    let data = 0;
    relay.hold = (d) => d[1] === DATA && ++data > 3 && data % 4 === 0; // a quarter of Alice's data, after the first few
    try {
      await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${relay.port}` });
      await eventually('the session over the relay', async () => (await statsOf(bob, alice))?.socket.kind === 'listener');
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        sent.push(`lossy ${i}`);
        await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: `lossy ${i}`, bytes: 400 });
      }
      await eventually('every note arrived despite the loss', async () => {
        const { notes } = await bob.request('GET', '/tl/notes');
        return sent.every((t) => notes.some((n: any) => n.text === t));
      }, 30_000);
      const sender = await statsOf(alice, bob);
      const receiver = await statsOf(bob, alice);
      expect(relay.held.length).to.be.greaterThan(3);
      expect(sender.loss.retransmits).to.be.greaterThan(0);
      expect(receiver.loss.inbound).to.be.greaterThan(0.05).and.below(0.5);
      expect(sender.loss.inbound).to.equal(0); // nothing dropped the other way
      if (process.env.KITH_DIAG_PRINT) console.log({ dropped: relay.held.length, sender: sender.loss, receiver: receiver.loss, rtt: sender.rtt });
    } finally {
      await alice.call('DELETE', `/sessions/${bob.persona!.key}`);
      await bob.call('DELETE', `/sessions/${alice.persona!.key}`);
      relay.close();
    }
  });
});
