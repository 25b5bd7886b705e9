/**
 * ACK-after-persist with group commit: commits do not fsync on the event loop (storage/wal-sync.ts),
 * so the receiver's ACK, and its refusal, wait for the WAL sync that covers the mark, and a queued
 * event leaves the sender only once the sync covering its row is done. Here one side's syncs are
 * held back: the other side hears nothing until they are let through.
 */
import { expect } from 'chai';
import type { DeliveryReport, KindRegistry, NackReport, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import type { TestPeer } from './support/test-peer.js';
import { freshPeersEachTest, linkPair, until } from './support/link-pair.js';

const KINDS = ['probe.note', 'probe.bad'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('bus: what a peer is told waits for the teller\'s WAL sync', () => {
  const peers = freshPeersEachTest();

  function contextOf(peer: TestPeer) {
    const scope = peer.scope('probe', KINDS);
    const providers = busProviders(peer.engine, () => undefined);
    return { kinds: providers.kinds!(scope) as KindRegistry, sessions: providers.sessions!(scope) as Sessions, streams: providers.streams!(scope) as Streams };
  }

  /**
   * Hold `peer`'s WAL syncs until the returned function is called (the syncs still happen then).
   * With `shared`, every caller meanwhile waits for one sync, as callers queued behind a running
   * sync do (wal-sync.ts).
   */
  function holdSyncs(peer: TestPeer, shared = false): { release(): void; asked(): number } {
    const writes = peer.database.writes;
    const real = writes.durable.bind(writes);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const one = held.then(real);
    let asked = 0;
    writes.durable = () => {
      asked++;
      return shared ? one : held.then(real);
    };
    return { release, asked: () => asked };
  }

  /**
   * Sender a, receiver b, linked: notes are handled (their seqs kept), `probe.bad` always
   * throws; the sender's delivered and refused reports are kept.
   */
  async function linkedProbes() {
    const { a, b } = peers;
    const sender = contextOf(a);
    const receiver = contextOf(b);
    const handled: number[] = [];
    receiver.kinds.register('probe.note', (event) => {
      handled.push(event.seq);
    });
    receiver.kinds.register('probe.bad', () => {
      throw new Error('refused on purpose');
    });
    const delivered: DeliveryReport[] = [];
    const nacked: NackReport[] = [];
    sender.sessions.onDidDeliver((report) => delivered.push(report));
    sender.sessions.onDidNack((report) => nacked.push(report));
    peers.pair = await linkPair(a, b);
    const peer = b.keys.masterPublicKey;
    return { a, b, peer, sender, handled, delivered, nacked, notes: sender.streams.forFriend(peer, 'notes') };
  }

  it('an event handled and marked is ACKed only once the sync covering its mark is done; a refusal likewise', async () => {
    const { a, b, peer, sender, handled, delivered, nacked, notes } = await linkedProbes();
    const bad = sender.streams.forFriend(peer, 'bad');

    const syncs = holdSyncs(b);
    await sender.sessions.send(peer, notes, 'probe.note', {}, new Uint8Array([1]));
    await sender.sessions.send(peer, bad, 'probe.bad', {}, new Uint8Array([2]));
    await until(() => handled.length === 1 && syncs.asked() > 0, 5000, 'the receiver handled the event and asked for a sync');
    // Far past the sender's retransmit timeout: repeats come and are answered by nothing either.
    await sleep(600);
    expect(b.database.sqlite.prepare('SELECT COUNT(*) FROM bus_in_streams WHERE hwm >= 1').pluck().get(), 'marks written').to.equal(2);
    expect(delivered, 'delivered before the sync').to.deep.equal([]);
    expect(nacked, 'refused before the sync').to.deep.equal([]);
    expect(a.engine.store.count(a.keys.masterPublicKey, peer), 'rows the sender still keeps').to.equal(2);

    syncs.release();
    await until(() => delivered.length === 1 && nacked.length === 1, 5000, 'the ACK and the refusal after the sync');
    expect(delivered[0]).to.include({ stream: notes, seq: 1 });
    expect(nacked[0]).to.include({ stream: bad, seq: 1 });
    expect(handled, 'handled once, repeats answered as duplicates').to.deep.equal([1]);
  });

  it('a queued event leaves the sender only once the sync covering its row is done; the receipt does not wait', async () => {
    const { a, peer, sender, handled, delivered, notes } = await linkedProbes();
    await until(() => sender.sessions.get(peer) !== undefined, 5000, 'the session');

    const syncs = holdSyncs(a);
    const receipt = await sender.sessions.send(peer, notes, 'probe.note', {}, new Uint8Array([1]));
    expect(receipt).to.include({ queued: false, seq: 1 });
    expect(syncs.asked(), 'the sender asked for a sync').to.be.greaterThan(0);
    await sleep(400);
    expect(handled, 'handled before the sender\'s sync').to.deep.equal([]);

    syncs.release();
    await until(() => delivered.length === 1, 5000, 'the event after the sync');
    expect(handled).to.deep.equal([1]);
  });

  it('events that arrive one by one and wait for the same sync are answered by one ACK, the newest', async () => {
    const { b, peer, sender, handled, delivered, notes } = await linkedProbes();
    await until(() => sender.sessions.get(peer) !== undefined, 5000, 'the session');
    const syncs = holdSyncs(b, true);
    for (let i = 0; i < 20; i++) await sender.sessions.send(peer, notes, 'probe.note', {}, new Uint8Array([i]));
    await until(() => handled.length === 20, 5000, 'the receiver handled all twenty');
    expect(syncs.asked(), 'one sync asked for per event that arrived alone').to.be.greaterThan(1);
    const link = peers.pair!.ba;
    const send = link.send.bind(link);
    let answers = 0;
    link.send = (plaintext, tail) => {
      answers++;
      send(plaintext, tail);
    };
    syncs.release();
    await until(() => delivered.length === 20, 5000, 'all twenty delivered');
    expect(handled).to.deep.equal([...Array(20).keys()].map((i) => i + 1));
    expect(answers, 'datagrams the receiver sent once the sync was done').to.equal(1);
  });
});
