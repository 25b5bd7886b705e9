import { expect } from 'chai';
import { MAX_CACHED_MARKS } from '../../src/bus/inbound-marks.js';
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
});
