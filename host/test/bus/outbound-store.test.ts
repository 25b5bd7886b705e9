import { expect } from 'chai';
import { MAX_OUT_STREAMS_PER_PEER, MAX_QUEUED_PER_PEER, OUT_STREAMS_AFTER_PRUNE } from '../../src/bus/outbound-store.js';
import { MAX_STORED_STREAMS_PER_PEER } from '../../src/bus/inbound-marks.js';
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

  it(`stores at most ${MAX_OUT_STREAMS_PER_PEER} stream counters per friend (twice the receiver's bound), forgetting only idle ones, least recently used first`, async () => {
    const peer = await createTestPeer();
    try {
      const { store } = peer.engine;
      const p = peer.keys.masterPublicKey;
      const hostile = 'c'.repeat(64);
      const honest = 'd'.repeat(64);
      const row = (to: string, stream: string) => ({ peer: to, stream, kind: 'chat.text', flags: 4, priority: 1, extensionId: 'chat', eventId: 'e', sealed: new Uint8Array([1]) });
      const ack = (to: string, stream: string, seq: number) => store.deleteUpTo(p, to, stream, seq);
      let now = 1_000;
      // A stream with an event still waiting, an answered one used again later, and the honest friend's.
      expect(store.enqueue(p, row(hostile, 'waiting'), now++).seq).to.equal(1);
      store.enqueue(p, row(hostile, 'reused'), now++);
      ack(hostile, 'reused', 1);
      store.enqueue(p, row(honest, 'chat'), now++);
      ack(honest, 'chat', 1);
      // One answer per stream the hostile friend provoked, each acknowledged at once.
      peer.database.sqlite.transaction(() => {
        for (let i = 0; i < MAX_OUT_STREAMS_PER_PEER + 10; i++) {
          store.enqueue(p, row(hostile, `answer${i}`), now++);
          ack(hostile, `answer${i}`, 1);
          if (i === 5000) {
            expect(store.enqueue(p, row(hostile, 'reused'), now++).seq).to.equal(2);
            ack(hostile, 'reused', 2);
          }
        }
      })();
      const stored = store.storedStreams(p, hostile);
      expect(stored).to.be.at.most(MAX_OUT_STREAMS_PER_PEER).and.at.least(OUT_STREAMS_AFTER_PRUNE);
      expect(MAX_OUT_STREAMS_PER_PEER).to.be.at.least(2 * MAX_STORED_STREAMS_PER_PEER);
      // Kept: the stream with a waiting event (its next seq is 2), the stream used again, the newest, the other friend's.
      expect(store.enqueue(p, row(hostile, 'waiting'), now++).seq).to.equal(2);
      expect(store.enqueue(p, row(hostile, 'reused'), now++).seq).to.equal(3);
      expect(store.enqueue(p, row(hostile, `answer${MAX_OUT_STREAMS_PER_PEER + 9}`), now++).seq).to.equal(2);
      expect(store.enqueue(p, row(honest, 'chat'), now++).seq).to.equal(2);
      expect(store.storedStreams(p, honest)).to.equal(1);
      // Forgotten: the oldest answered streams.
      expect(store.enqueue(p, row(hostile, 'answer0'), now++).seq).to.equal(1);
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
