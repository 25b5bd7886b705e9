import { expect } from 'chai';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { KindRegistry, Sessions } from '@kith/sdk';
import { NetRuntime } from '../../src/net/net-runtime.js';
import type { LiveSession } from '../../src/net/live-session.js';
import { MAX_PROBE_DATAGRAM, payloadOf } from '../../src/net/wire-constants.js';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from '../bus/support/test-peer.js';
import { until } from '../bus/support/link-pair.js';
import { startLossyRelay, type LossyRelay } from '../../../tools/lossy-shim/lossy-relay.js';
import { testPersona } from './test-persona.js';
import { PlainPeer } from './support/plain-peer.js';

const BASE_PAYLOAD = payloadOf(1232);
const LARGEST_PAYLOAD = payloadOf(MAX_PROBE_DATAGRAM);
const CHUNK = 64 * 1024;
/** 4 MiB of bulk events (the largest event is ~74 KiB, so 64 of them). */
const EVENTS = 64;

/** Two net runtimes with real personas, each with a bus engine over its sessions. */
async function startPair() {
  const alice = testPersona('alice');
  const bob = testPersona('bob');
  const a = new NetRuntime({ stunServers: [], beaconPort: false });
  const b = new NetRuntime({ stunServers: [], beaconPort: false });
  await a.start();
  await b.start();
  const tableA = a.activate(alice, [bob.friendCardFor(alice)]);
  const tableB = b.activate(bob, [alice.friendCardFor(bob)]);
  const busA = await createTestPeer({ keys: { masterPublicKey: alice.info.masterPublicKey, atRestKey: randomBytes(32).toString('hex') } });
  const busB = await createTestPeer({ keys: { masterPublicKey: bob.info.masterPublicKey, atRestKey: randomBytes(32).toString('hex') } });
  const attached = [busA.engine.attachLinks(tableA), busB.engine.attachLinks(tableB)];
  return {
    a, b, alice, bob, busA, busB,
    async close() {
      for (const d of attached) d.dispose();
      await a.stop();
      await b.stop();
      await busA.close();
      await busB.close();
    },
  };
}

function bulkContext(peer: TestPeer) {
  const scope = peer.scope('chat', ['file.chunk']);
  const providers = busProviders(peer.engine, () => undefined);
  return { kinds: providers.kinds!(scope) as KindRegistry, sessions: providers.sessions!(scope) as Sessions };
}

/** Send `EVENTS` bulk events of 64 KiB from A to B; resolves with the datagrams A's session sent for them. */
async function sendBulk(pair: Awaited<ReturnType<typeof startPair>>, session: LiveSession, received: number[], round: number): Promise<number> {
  const sender = bulkContext(pair.busA);
  const peer = pair.bob.info.masterPublicKey;
  const stream = 'ab'.repeat(16);
  const before = session.packetsOut;
  const payload = new Uint8Array(CHUNK).fill(round);
  for (let i = 0; i < EVENTS; i++) await sender.sessions.send(peer, stream, 'file.chunk', { index: round * EVENTS + i }, payload, { priority: 'bulk' });
  await until(() => received.length === (round + 1) * EVENTS, 30_000, `round ${round} of bulk events`);
  return session.packetsOut - before;
}

describe('net: path MTU discovery (larger datagrams where the path carries them)', function () {
  this.timeout(60_000);
  let pair: Awaited<ReturnType<typeof startPair>>;
  let relay: LossyRelay | undefined;

  afterEach(async () => {
    await relay?.close();
    relay = undefined;
    await pair?.close();
  });

  async function openThrough(port: number): Promise<{ sa: LiveSession; sb: LiveSession; received: number[] }> {
    const result = await pair.a.ladder({ peer: pair.bob.info.masterPublicKey, ipv4: { address: '127.0.0.1', port, family: 'ipv4' }, startAt: Date.now() });
    expect(result.session, JSON.stringify(result.trace)).to.not.equal(undefined);
    await until(() => pair.b.sessions().length === 1 && pair.busA.engine.channel(pair.bob.info.masterPublicKey)?.ready === true, 10_000, 'bus ready');
    const received: number[] = [];
    bulkContext(pair.busB).kinds.register('file.chunk', (event) => {
      received.push(event.header.index as number);
    });
    return { sa: pair.a.sessions()[0]!, sb: pair.b.sessions()[0]!, received };
  }

  it('on loopback the size grows to the largest probe, and 4 MiB of bulk events then crosses in far fewer datagrams', async () => {
    pair = await startPair();
    const { sa, sb, received } = await openThrough(pair.b.udpPort);
    expect(sa.maxPayload).to.equal(BASE_PAYLOAD); // nothing larger before a probe is answered
    const first = await sendBulk(pair, sa, received, 0);
    await until(() => sa.maxPayload === LARGEST_PAYLOAD, 10_000, 'the largest probe answered');
    expect(sa.pathMtu.probesAnswered).to.be.at.least(3);
    const second = await sendBulk(pair, sa, received, 1);
    console.log(`      4 MiB of bulk events: ${first} datagrams while probing from 1232 bytes, ${second} at ${MAX_PROBE_DATAGRAM} bytes`);
    expect(second).to.be.below(EVENTS * 3); // 2 datagrams an event (and the odd confirmation probe)
    expect(second * 10).to.be.below(EVENTS * Math.ceil(CHUNK / (BASE_PAYLOAD - 40))); // at 1232 bytes: 57 an event
    expect(received).to.deep.equal([...Array(2 * EVENTS).keys()]);
    // B never needed anything larger to answer; it only probes when it sends bulk itself.
    expect(sb.maxPayload).to.equal(BASE_PAYLOAD);
    expect(pair.b.counters.count('data-bad-length')).to.equal(0);
  });

  it('through a relay that drops every datagram over 1232 bytes the session stays at 1232 and everything arrives', async () => {
    pair = await startPair();
    relay = await startLossyRelay(pair.a.udpPort, pair.b.udpPort, { loss: 0, duplicate: 0, reorder: 0, delayMs: [0, 0], maxDatagram: 1232 });
    const { sa, received } = await openThrough(relay.portForA);
    const sent = await sendBulk(pair, sa, received, 0);
    await until(() => !sa.pathMtu.searching, 10_000, 'the search to give up');
    expect(sa.maxPayload).to.equal(BASE_PAYLOAD);
    expect(sa.pathMtu.probesSent).to.equal(3); // the 8 KiB probe, three times, then nothing
    expect(sa.pathMtu.probesAnswered).to.equal(0);
    expect(relay.stats.tooLarge).to.equal(3);
    expect(sent).to.be.at.least(EVENTS * Math.ceil(CHUNK / BASE_PAYLOAD));
    await sendBulk(pair, sa, received, 1); // the next round does not probe again (held back)
    expect(sa.pathMtu.probesSent).to.equal(3);
    expect(received).to.deep.equal([...Array(2 * EVENTS).keys()]);
  });

  it('refuses and counts oversized garbage before any work, and oversized handshake-stage data', async () => {
    pair = await startPair();
    const { sa, sb } = await openThrough(pair.b.udpPort);
    const eve = dgram.createSocket('udp4');
    await new Promise<void>((r) => eve.bind(0, '127.0.0.1', () => r()));
    const send = (data: Buffer) => new Promise<void>((r) => eve.send(data, pair.b.udpPort, '127.0.0.1', () => r()));
    const counters = pair.b.counters;
    const count = (reason: string) => counters.count(reason);
    const before = { oversize: count('oversize'), dataOversize: count('data-oversize'), auth: count('data-auth-failed') };
    await send(randomBytes(9000)); // not a Kith datagram, too large for anything
    const stun = Buffer.alloc(3000);
    stun.writeUInt32BE(0x2112a442, 4); // STUN-shaped: never above 1500
    await send(stun);
    const hello = Buffer.alloc(3000);
    hello[0] = 0xcc;
    hello[1] = 0x01; // only DATA may be large
    await send(hello);
    const stranger = Buffer.concat([Buffer.from([0xcc, 0x03]), randomBytes(8000)]); // no session has this index
    stranger.writeUInt32BE((sb.localIndex + 1) >>> 0, 2);
    await send(stranger);
    const forged = Buffer.concat([Buffer.from([0xcc, 0x03]), randomBytes(60_000)]); // a live index, forged body
    forged.writeUInt32BE(sb.localIndex, 2);
    forged.writeUInt32BE(0, 6);
    await send(forged);
    await until(() => count('data-auth-failed') > before.auth, 5_000, 'the forged datagram counted');
    expect(count('oversize') - before.oversize).to.equal(3);
    expect(count('data-oversize') - before.dataOversize).to.equal(1);
    expect(sb.closed).to.equal(false);
    expect(sb.maxPayload).to.equal(BASE_PAYLOAD);
    expect(sa.maxPayload).to.equal(BASE_PAYLOAD);
    eve.close();
  });

  it('a peer that does not answer probes (the wire as it was) keeps working at 1232, and nothing new reaches it', async () => {
    pair = await startPair();
    // Alice's side is a plain peer of the published wire format; Bob is this Kith.
    const plain = await PlainPeer.connect(pair.alice, pair.bob.friendCardFor(pair.alice), { port: pair.b.udpPort, address: '127.0.0.1' });
    try {
      await until(() => pair.b.sessions().length === 1, 5_000, 'the session open at Bob');
      const session = pair.b.sessions()[0]!;
      const got: string[] = [];
      session.onDidReceive((d) => got.push(Buffer.from(d).toString()));
      plain.sendPayload(Buffer.from('from the old side'));
      const full = Buffer.alloc(BASE_PAYLOAD, 7);
      for (let i = 0; i < 200; i++) session.send(full); // bulk-sized sends: demand for probing
      // (Bob's bus also sends it capabilities: count only these.)
      const fullOnes = () => plain.payloads.filter((p) => p.length === BASE_PAYLOAD && p[0] === 7).length;
      await until(() => fullOnes() === 200 && got.length === 1, 5_000, 'both ways');
      await new Promise((r) => setTimeout(r, 1_000)); // time for any probe it might have sent
      expect(session.maxPayload).to.equal(BASE_PAYLOAD);
      expect(session.pathMtu.probesSent).to.equal(0);
      expect(Math.max(...plain.sizes)).to.be.at.most(1232);
      expect(new Set(plain.innerTypes)).to.deep.equal(new Set([0x01, 0x10])); // keepalives and payloads only
      expect(got).to.deep.equal(['from the old side']);
    } finally {
      await plain.close();
    }
  });
});
