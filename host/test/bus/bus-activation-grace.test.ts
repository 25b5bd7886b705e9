import { expect } from 'chai';
import type { DeliveryReport, InboundEvent, KindRegistry, NackReport, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { linkPair, until, type LinkPair } from './support/link-pair.js';

/**
 * At unlock, sessions can open before the persona's extensions have registered their kinds. Queued
 * messages must not be bounced by that race: the receiver leaves them unacknowledged for a grace
 * period, and the sender holds third-party kinds the peer has not announced yet.
 */
describe('bus: grace while extensions activate', function () {
  this.timeout(30_000);
  let a: TestPeer;
  let b: TestPeer;
  let pair: LinkPair | undefined;

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    await a.close();
    await b.close();
  });

  const ctx = (peer: TestPeer, id: string, kinds: string[], builtin = true) => {
    const scope = peer.scope(id, kinds, { builtin });
    const p = busProviders(peer.engine, () => undefined);
    return { scope, kinds: p.kinds!(scope) as KindRegistry, sessions: p.sessions!(scope) as Sessions, streams: p.streams!(scope) as Streams };
  };

  it('a queued chat message reaching a receiver whose chat has not registered yet is delivered once it does', async () => {
    a = await createTestPeer();
    b = await createTestPeer({ graceMs: 3000 });
    const sender = ctx(a, 'chat', ['chat.text']);
    const delivered: DeliveryReport[] = [];
    const nacks: NackReport[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    sender.sessions.onDidNack((r) => nacks.push(r));
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.forFriend(b.keys.masterPublicKey, 'chat'), 'chat.text', { id: 'm1' });
    pair = await linkPair(a, b);
    await new Promise((r) => setTimeout(r, 400)); // the event arrives and finds no handler
    const got: InboundEvent[] = [];
    ctx(b, 'chat', ['chat.text']).kinds.register('chat.text', (e) => {
      got.push(e);
    });
    await until(() => delivered.length === 1, 10_000, 'delivery after the late registration');
    expect(got.map((e) => e.header.id)).to.deep.equal(['m1']);
    expect(nacks).to.deep.equal([]);
  });

  it('after the grace, a kind with no handler is refused as usual', async () => {
    a = await createTestPeer();
    b = await createTestPeer({ graceMs: 300 });
    const sender = ctx(a, 'chat', ['chat.text']);
    const nacks: NackReport[] = [];
    sender.sessions.onDidNack((r) => nacks.push(r));
    pair = await linkPair(a, b);
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'chat.text', {});
    await until(() => nacks.length === 1, 10_000, 'the refusal after the grace');
    expect(nacks[0]).to.include({ reason: 'kind-disabled', message: 'peer has chat.text turned off' });
  });

  it('a queued third-party event waits for the peer to announce its kind; one never announced is refused kind-unknown', async () => {
    a = await createTestPeer({ graceMs: 1500 });
    b = await createTestPeer();
    const sender = ctx(a, 'hello', ['hello.wave', 'hello.poke'], false);
    const delivered: DeliveryReport[] = [];
    const nacks: NackReport[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    sender.sessions.onDidNack((r) => nacks.push(r));
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'hello.wave', { n: 1 });
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'hello.poke', { n: 2 });
    pair = await linkPair(a, b);
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(nacks).to.deep.equal([]);
    const got: InboundEvent[] = [];
    ctx(b, 'hello', ['hello.wave'], false).kinds.register('hello.wave', (e) => {
      got.push(e);
    });
    await until(() => delivered.length === 1, 10_000, 'hello.wave after the capabilities update');
    expect(got.map((e) => e.header.n)).to.deep.equal([1]);
    await until(() => nacks.length === 1, 10_000, 'hello.poke refused after the grace');
    expect(nacks[0]).to.include({ kind: 'hello.poke', reason: 'kind-unknown' });
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(0);
  });
});
