import { expect } from 'chai';
import { MAX_CACHED_MARKS, MAX_STORED_STREAMS_PER_PEER, STORED_STREAMS_AFTER_PRUNE } from '../../src/bus/inbound-marks.js';
import { createTestPeer } from './support/test-peer.js';

describe('bus: inbound stream marks', () => {
  it(`keeps at most ${MAX_CACHED_MARKS} marks in memory however many streams a friend opens, and still reads evicted ones`, async () => {
    const peer = await createTestPeer();
    try {
      const { marks } = peer.engine;
      const persona = peer.keys.masterPublicKey;
      const friend = 'b'.repeat(64);
      const streams = MAX_CACHED_MARKS + 500;
      peer.database.sqlite.transaction(() => {
        for (let i = 0; i < streams; i++) marks.set(persona, friend, `s${i}`, i + 1);
      })();
      expect(marks.cachedCount).to.equal(MAX_CACHED_MARKS);
      // The oldest marks left the cache: they come back from the database, not as 0 (which would
      // deliver a replayed event again).
      for (const i of [0, 1, 250, streams - 1]) expect(marks.get(persona, friend, `s${i}`)).to.equal(i + 1);
      expect(marks.get(persona, friend, 'never-seen')).to.equal(0);
      expect(marks.cachedCount).to.equal(MAX_CACHED_MARKS);
    } finally {
      await peer.close();
    }
  });

  it(`stores at most ${MAX_STORED_STREAMS_PER_PEER} streams per friend, forgetting the least recently written and their refusals`, async () => {
    const peer = await createTestPeer();
    try {
      const { marks } = peer.engine;
      const persona = peer.keys.masterPublicKey;
      const hostile = 'c'.repeat(64);
      const honest = 'd'.repeat(64);
      let now = 1_000;
      // The honest friend's conversation stream, and the hostile friend's first streams: one of
      // them refused, one written again later (still in use).
      marks.set(persona, honest, 'chat', 7, undefined, now++);
      marks.set(persona, hostile, 'first', 3, { reason: 'kind-unknown', message: 'no handler' }, now++);
      marks.set(persona, hostile, 'kept', 1, undefined, now++);
      peer.database.sqlite.transaction(() => {
        for (let i = 0; i < MAX_STORED_STREAMS_PER_PEER; i++) {
          marks.set(persona, hostile, `fresh${i}`, 1, undefined, now++);
          if (i === 2000) marks.set(persona, hostile, 'kept', 2, undefined, now++);
        }
      })();
      const stored = marks.storedCount(persona, hostile);
      expect(stored).to.be.at.most(MAX_STORED_STREAMS_PER_PEER).and.at.least(STORED_STREAMS_AFTER_PRUNE);
      marks.clearCache();
      // Forgotten: the oldest streams, and the refusal stored with one of them.
      expect(marks.get(persona, hostile, 'first')).to.equal(0);
      expect(marks.refusals(persona, hostile, 'first')).to.deep.equal([]);
      expect(marks.get(persona, hostile, 'fresh0')).to.equal(0);
      // Kept: a stream written again after them, the newest ones, and the other friend's.
      expect(marks.get(persona, hostile, 'kept')).to.equal(2);
      expect(marks.get(persona, hostile, `fresh${MAX_STORED_STREAMS_PER_PEER - 1}`)).to.equal(1);
      expect(marks.get(persona, honest, 'chat')).to.equal(7);
      expect(marks.storedCount(persona, honest)).to.equal(1);
      const refusalRows = peer.database.sqlite.prepare('SELECT COUNT(*) AS n FROM bus_in_refusals').get() as { n: number };
      expect(refusalRows.n).to.equal(0);

      // The bound holds as the flood goes on, counted across a restart of the count.
      peer.database.sqlite.transaction(() => {
        for (let i = 0; i < 3 * 1024; i++) marks.set(persona, hostile, `more${i}`, 1, undefined, now++);
      })();
      expect(marks.storedCount(persona, hostile)).to.be.at.most(MAX_STORED_STREAMS_PER_PEER);
    } finally {
      await peer.close();
    }
  });
});
