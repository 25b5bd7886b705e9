import { expect } from 'chai';
import { MemoryRoomStore } from '../src/server/memory-store.js';
import { randomRoom } from './support/rooms.js';

const caps = { maxEntriesPerRoom: 256, maxEntries: 1_000, maxStoreBytes: 2 ** 30 };

describe('rendezvous memory store: incremental expiry', () => {
  it('sweeps at most the asked number of expired entries, oldest first, and never a live one', async () => {
    const store = new MemoryRoomStore({ sweepIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 500; i++) await store.put({ room: randomRoom(), owner: `tag-${i}`, anonymous: false, blob: 'x', now: i, ttlMs: 1_000, caps });
      // At t=1200 the first 200 entries (published at 0..199) have expired.
      expect(store.sweep(1_200, 50)).to.equal(50);
      expect(store.sweep(1_200, 1_000)).to.equal(151); // 0..200 inclusive: expiresAt <= now
      expect(store.sweep(1_200, 1_000)).to.equal(0);
      expect((await store.stats(1_200)).entries).to.equal(299);
    } finally {
      await store.close();
    }
  });

  it('at the cap with expired entries, a publish frees room by itself; with live ones it is refused without a sweep of the store', async () => {
    const store = new MemoryRoomStore({ sweepIntervalMs: 60_000 });
    try {
      for (let i = 0; i < 1_000; i++) await store.put({ room: randomRoom(), owner: `tag-${i}`, anonymous: false, blob: 'x', now: 0, ttlMs: 1_000, caps });
      const full = await store.put({ room: randomRoom(), owner: 'late', anonymous: false, blob: 'x', now: 999, ttlMs: 1_000, caps }).catch((e) => e);
      expect(full.code).to.equal('KITH_ERR_STORE_FULL');
      // Everything expired: the next publish drops a bounded batch on its way and is stored.
      await store.put({ room: randomRoom(), owner: 'later', anonymous: false, blob: 'x', now: 1_000, ttlMs: 1_000, caps });
      const dump = store.dump().rooms.flatMap((r) => r.entries);
      expect(dump.length).to.be.below(1_000).and.at.least(1_000 - 16);
      // A republish moves the entry to the back of the expiry queue.
      await store.put({ room: 'r'.repeat(64), owner: 'kept', anonymous: false, blob: 'a', now: 1_000, ttlMs: 1_000, caps });
      await store.put({ room: 'r'.repeat(64), owner: 'kept', anonymous: false, blob: 'b', now: 1_500, ttlMs: 1_000, caps });
      store.sweep(2_000, 10_000);
      expect(await store.list('r'.repeat(64), 2_000)).to.deep.equal([{ blob: 'b', owner: 'kept', storedAt: 1_500 }]);
    } finally {
      await store.close();
    }
  });
});
