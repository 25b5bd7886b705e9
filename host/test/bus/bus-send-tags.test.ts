import { expect } from 'chai';
import type { DeliveryReport, KindRegistry, NackReport, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { freshPeersEachTest, linkPair, until } from './support/link-pair.js';

/**
 * `SendOptions.tag` on queued events: stored with the row (sealed, migration 008), so the report
 * of an event sent before a restart still carries it; refused and failed events report it too.
 */
describe('bus: send tags on queued events', () => {
  const peers = freshPeersEachTest();
  let a: TestPeer;
  let b: TestPeer;
  beforeEach(() => ({ a, b } = peers));

  function contextOf(peer: TestPeer, id = 'hello') {
    const scope = peer.scope(id, ['hello.wave'], { builtin: false });
    const providers = busProviders(peer.engine, () => undefined);
    return { kinds: providers.kinds!(scope) as KindRegistry, sessions: providers.sessions!(scope) as Sessions, streams: providers.streams!(scope) as Streams };
  }

  it('a tag given before a restart comes back in the delivery report after it, and is sealed at rest', async () => {
    const bob = b.keys.masterPublicKey;
    const before = contextOf(a);
    const receipt = await before.sessions.send(bob, before.streams.forFriend(bob, 'hello'), 'hello.wave', {}, undefined, { tag: 'wave-secret-7' });
    expect(receipt.queued).to.equal(true);
    const stored = a.database.sqlite.prepare('SELECT tag FROM bus_outbound').get() as { tag: Buffer };
    expect(Buffer.from(stored.tag).includes(Buffer.from('wave-secret-7'))).to.equal(false);

    // Restart Alice: same data dir and persona, a new engine, nothing in memory.
    const { keys, dataDir } = a;
    await a.close(false);
    a = await createTestPeer({ keys, dataDir });
    const after = contextOf(a);
    contextOf(b).kinds.register('hello.wave', () => undefined);
    const delivered: DeliveryReport[] = [];
    after.sessions.onDidDeliver((r) => delivered.push(r));
    peers.pair = await linkPair(a, b);
    await until(() => delivered.length === 1, 5000, 'delivery after restart');
    expect(delivered[0]).to.include({ eventId: receipt.eventId, tag: 'wave-secret-7' });
  });

  it('refused and failed events report their tags; an untagged report has no tag key', async () => {
    const bob = b.keys.masterPublicKey;
    const sender = contextOf(a);
    const stream = sender.streams.forFriend(bob, 'hello');
    const nacked: NackReport[] = [];
    const failed: DeliveryReport[] = [];
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidNack((r) => nacked.push(r));
    sender.sessions.onDidFail((r) => failed.push(r));
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    // Bob has no handler for hello.wave: refused (kind-unknown after the grace, 0 in tests).
    peers.pair = await linkPair(a, b);
    await sender.sessions.send(bob, stream, 'hello.wave', {}, undefined, { tag: 'n1' });
    await until(() => nacked.length === 1, 5000, 'the refusal');
    expect(nacked[0]).to.include({ tag: 'n1' });

    await peers.pair!.close();
    peers.pair = undefined;
    await sender.sessions.send(bob, stream, 'hello.wave', {}, undefined, { tag: 'f1' });
    a.engine.dropPeer(bob);
    await until(() => failed.length === 1, 5000, 'the failure');
    expect(failed[0]).to.include({ tag: 'f1', reason: 'friend-removed' });

    contextOf(b).kinds.register('hello.wave', () => undefined);
    peers.pair = await linkPair(a, b);
    // A fresh stream: the seqs above were refused or dropped before they ever reached Bob.
    await sender.sessions.send(bob, sender.streams.random(), 'hello.wave', {});
    await until(() => delivered.length === 1, 5000, 'the untagged delivery');
    expect(delivered[0]).to.not.have.property('tag');
  });
});
