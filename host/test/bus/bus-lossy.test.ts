import { expect } from 'chai';
import type { DeliveryReport, KindRegistry, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import type { TestPeer } from './support/test-peer.js';
import { freshPeersEachTest, linkPair, until } from './support/link-pair.js';

const KINDS = ['chat.text', 'file.chunk'];

describe('bus: through the lossy shim (10% loss, 5% duplication, 10% reordering, 0-2 ms delay)', function () {
  this.timeout(90_000);
  const peers = freshPeersEachTest();
  let a: TestPeer;
  let b: TestPeer;
  beforeEach(() => ({ a, b } = peers));

  const ctx = (peer: TestPeer) => {
    const scope = peer.scope('chat', KINDS);
    const p = busProviders(peer.engine, () => undefined);
    return { scope, kinds: p.kinds!(scope) as KindRegistry, sessions: p.sessions!(scope) as Sessions, streams: p.streams!(scope) as Streams };
  };

  it('delivers every queued and live event exactly once and in order per stream', async () => {
    const sender = ctx(a);
    const receiver = ctx(b);
    const received = new Map<string, number[]>();
    receiver.kinds.register('chat.text', async (event) => {
      const list = received.get(event.stream) ?? [];
      list.push(new DataView(event.payload.buffer, event.payload.byteOffset).getUint32(0));
      received.set(event.stream, list);
      await new Promise((r) => setImmediate(r)); // a handler that persists asynchronously
    });
    const chunks: number[] = [];
    receiver.kinds.register('file.chunk', (event) => {
      chunks.push(event.header.index as number);
    });
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    const peer = b.keys.masterPublicKey;
    const streams = [sender.streams.random(), sender.streams.random(), sender.streams.forFriend(peer, 'chat')];
    const body = (n: number) => {
      const bytes = new Uint8Array(4 + (n % 300));
      new DataView(bytes.buffer).setUint32(0, n);
      return bytes;
    };
    // A full queue before the session exists.
    for (let n = 0; n < 150; n++) {
      for (const stream of streams) {
        const receipt = await sender.sessions.send(peer, stream, 'chat.text', { n }, body(n));
        expect(receipt.queued).to.equal(true);
      }
    }
    peers.pair = await linkPair(a, b, { impairments: { loss: 0.1, duplicate: 0.05, reorder: 0.1, reorderMs: 8, delayMs: [0, 2], seed: 7 } });
    await until(() => sender.sessions.get(peer) !== undefined, 10_000, 'capabilities through the lossy link');
    // Live events interleaved with the drain, plus a bulk stream.
    const fileStream = sender.streams.random();
    const bulk = (async () => {
      for (let i = 0; i < 400; i++) await sender.sessions.send(peer, fileStream, 'file.chunk', { index: i }, new Uint8Array(1000), { priority: 'bulk' });
    })();
    for (let n = 150; n < 200; n++) {
      for (const stream of streams) await sender.sessions.send(peer, stream, 'chat.text', { n }, body(n));
    }
    await bulk;
    await until(() => delivered.length === 1000 && chunks.length === 400, 60_000, 'all deliveries');
    for (const stream of streams) expect(received.get(stream), stream).to.deep.equal([...Array(200).keys()]);
    expect(chunks).to.deep.equal([...Array(400).keys()]);
    expect(new Set(delivered.map((d) => d.eventId)).size).to.equal(1000);
    expect(delivered.filter((d) => d.kind === 'chat.text')).to.have.length(600);
    expect(a.engine.store.count(a.keys.masterPublicKey, peer)).to.equal(0);
    const relay = peers.pair!.relay!.stats;
    const senderStats = a.engine.channel(peer)!.stats;
    const receiverStats = b.engine.channel(a.keys.masterPublicKey)!.stats;
    // The shim really did its job, and the bus really had to repair it.
    expect(relay.dropped).to.be.greaterThan(50);
    expect(relay.duplicated).to.be.greaterThan(20);
    expect(relay.reordered).to.be.greaterThan(50);
    expect(senderStats.retransmits).to.be.greaterThan(0);
    expect(receiverStats.duplicates).to.be.greaterThan(0);
    expect(receiverStats.gapNacks).to.be.greaterThan(0);
  });

  it('repairs lost fragments of 64 KiB bulk events by repeating those fragments, not whole events', async () => {
    const sender = ctx(a);
    const receiver = ctx(b);
    const got: number[] = [];
    receiver.kinds.register('file.chunk', (event) => {
      if (event.payload.length === 64 * 1024 && event.payload[0] === (event.header.index as number) % 251) got.push(event.header.index as number);
    });
    const peer = b.keys.masterPublicKey;
    peers.pair = await linkPair(a, b, { impairments: { loss: 0.05, duplicate: 0, reorder: 0, delayMs: [0, 1], seed: 11 } });
    await until(() => sender.sessions.get(peer) !== undefined, 10_000, 'capabilities through the lossy link');
    const stream = sender.streams.random();
    const EVENTS = 48;
    for (let i = 0; i < EVENTS; i++) {
      await sender.sessions.send(peer, stream, 'file.chunk', { index: i }, new Uint8Array(64 * 1024).fill(i % 251), { priority: 'bulk' });
    }
    await until(() => got.length === EVENTS, 60_000, 'every bulk event');
    expect(got).to.deep.equal([...Array(EVENTS).keys()]);
    const stats = a.engine.channel(peer)!.stats;
    const relay = peers.pair!.relay!.stats;
    // At 5 % loss nearly every 57-datagram event loses one; repeating whole events would cost
    // about as much again, repeating the lost fragments a few per cent.
    expect(stats.fragmentRetransmits).to.be.greaterThan(0);
    const datagramsPerEvent = Math.ceil((64 * 1024 + 60) / 1100);
    expect(relay.forwarded + relay.dropped).to.be.lessThan(EVENTS * datagramsPerEvent * 1.6);
  });
});
