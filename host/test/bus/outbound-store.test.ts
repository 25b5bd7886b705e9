import { expect } from 'chai';
import { MAX_QUEUED_PER_PEER } from '../../src/bus/outbound-store.js';
import { createTestPeer } from './support/test-peer.js';
import { peerTag } from '../../src/storage/peer-tag.js';

describe('bus: outbound queue', () => {
  it('numbers each stream from 1 and never reuses a seq, also after every row was acknowledged', async () => {
    const peer = await createTestPeer();
    try {
      const { store } = peer.engine;
      const row = (stream: string) => ({
        peer: 'b'.repeat(64), stream, kind: 'chat.text', flags: 4, priority: 1, extensionId: 'chat', eventId: 'e', sealed: new Uint8Array([1]),
      });
      const p = peer.keys.masterPublicKey;
      expect(store.enqueue(p, row('s1')).seq).to.equal(1);
      expect(store.enqueue(p, row('s1')).seq).to.equal(2);
      expect(store.enqueue(p, row('s2')).seq).to.equal(1);
      expect(store.deleteUpTo(p, 'b'.repeat(64), 's1', 2).map((r) => r.seq)).to.deep.equal([1, 2]);
      expect(store.count(p, 'b'.repeat(64))).to.equal(1);
      expect(store.enqueue(p, row('s1')).seq).to.equal(3);
      // Rows name peers by the active persona's peer tags: another persona's rows cannot be written while it is locked.
      expect(() => store.enqueue('c'.repeat(64), row('s1'))).to.throw().with.property('code', 'KITH_ERR_LOCKED');
      const stored = peer.database.sqlite.prepare('SELECT DISTINCT peer FROM bus_outbound').all() as Array<{ peer: string }>;
      expect(stored.map((r) => r.peer)).to.deep.equal([peerTag(Buffer.from(peer.keys.atRestKey, 'hex'), 'b'.repeat(64))]);
    } finally {
      await peer.close();
    }
  });

  it(`refuses more than ${MAX_QUEUED_PER_PEER} waiting events for one peer with KITH_ERR_QUEUE_FULL`, async () => {
    const peer = await createTestPeer();
    try {
      const { store } = peer.engine;
      const p = peer.keys.masterPublicKey;
      const insert = peer.database.sqlite.prepare(
        `INSERT INTO bus_outbound (persona, peer, stream, seq, kind, flags, priority, extension_id, event_id, sealed, state, enqueued_at)
         VALUES (?, ?, 's', ?, 'chat.text', 4, 1, 'chat', 'e', x'00', 'pending', 0)`,
      );
      peer.database.sqlite.transaction(() => {
        // Rows name the peer by its tag (storage/peer-tag.ts), as the store writes them.
        const tag = peerTag(Buffer.from(peer.keys.atRestKey, 'hex'), 'd'.repeat(64));
        for (let i = 1; i <= MAX_QUEUED_PER_PEER; i++) insert.run(p, tag, i);
      })();
      expect(() => store.enqueue(p, {
        peer: 'd'.repeat(64), stream: 't', kind: 'chat.text', flags: 4, priority: 1, extensionId: 'chat', eventId: 'e', sealed: new Uint8Array([1]),
      })).to.throw().with.property('code', 'KITH_ERR_QUEUE_FULL');
      expect(store.count(p, 'e'.repeat(64))).to.equal(0);
    } finally {
      await peer.close();
    }
  });
});
