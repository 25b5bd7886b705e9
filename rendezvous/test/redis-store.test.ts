import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from './support/redis-server.js';
import { startRendezvousProcess, type RendezvousProcess } from './support/rendezvous-process.js';
import { RedisRoomStore } from '../src/server/redis-store.js';
import { startRendezvousServer } from '../src/server/server.js';
import { getJson, postJson, randomRoom } from './support/rooms.js';
import { needs } from '../../test/support/needs.js';

describe('rendezvous on Redis: several processes share one room space', function () {
  this.timeout(120_000);
  needs('redis-server');
  let redis: TestRedis;
  const processes: RendezvousProcess[] = [];
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    for (const p of processes) await p.stop();
    await redis?.stop();
  });

  it('two kith --server processes on different ports serve the same rooms, and entries expire natively', async () => {
    const env = { KITH_RENDEZVOUS_TTL_MS: '1500' };
    const a = await startRendezvousProcess(['--store', redis.url], env);
    processes.push(a);
    const b = await startRendezvousProcess(['--store', redis.url], env);
    processes.push(b);
    expect(a.url).to.not.equal(b.url);

    const room = randomRoom();
    expect((await postJson(`${a.url}/r/publish`, { room, blob: 'from-a', owner: 'secret-owner-a-1' })).status).to.equal(200);
    expect((await postJson(`${b.url}/r/publish`, { room, blob: 'from-b', owner: 'secret-owner-b-1' })).status).to.equal(200);
    for (const server of [a, b]) {
      const blobs = (await getJson(`${server.url}/r/fetch/${room}`)).body.entries.map((e: any) => e.blob);
      expect(blobs).to.have.members(['from-a', 'from-b']);
    }

    // Unpublish through the other process.
    expect((await postJson(`${b.url}/r/unpublish`, { room, owner: 'secret-owner-a-1' })).body).to.deep.equal({ removed: true });
    expect((await getJson(`${a.url}/r/fetch/${room}`)).body.entries.map((e: any) => e.blob)).to.deep.equal(['from-b']);

    // Redis holds a native expiry on the entry key.
    const raw = new Redis(redis.url);
    try {
      const keys = await raw.keys('kith:rv:e:*');
      expect(keys).to.have.length(1);
      const pttl = await raw.pttl(keys[0]!);
      expect(pttl).to.be.greaterThan(0).and.at.most(1500);
      await new Promise((r) => setTimeout(r, 1700));
      expect(await raw.exists(keys[0]!)).to.equal(0);
    } finally {
      raw.disconnect();
    }
    for (const server of [a, b]) expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries).to.deep.equal([]);
  });

  it('bounds the bytes held in Redis (507 KITH_ERR_STORE_FULL) and frees them on unpublish', async () => {
    const prefix = `kith:rv:bytes${Date.now()}:`;
    const store = await RedisRoomStore.connect(redis.url, { prefix });
    const server = await startRendezvousServer({ store, limits: { maxStoreBytes: 8 * 1024 }, host: '127.0.0.1', port: 0 });
    try {
      const blob = 'z'.repeat(3000);
      const rooms = [randomRoom(), randomRoom(), randomRoom()];
      expect((await postJson(`${server.url}/r/publish`, { room: rooms[0], blob, owner: 'secret-owner-bytes-0' })).status).to.equal(200);
      expect((await postJson(`${server.url}/r/publish`, { room: rooms[1], blob, owner: 'secret-owner-bytes-1' })).status).to.equal(200);
      const full = await postJson(`${server.url}/r/publish`, { room: rooms[2], blob, owner: 'secret-owner-bytes-2' });
      expect([full.status, full.body.error.code]).to.deep.equal([507, 'KITH_ERR_STORE_FULL']);
      expect((await store.stats(Date.now())).bytes).to.be.at.most(8 * 1024);
      await postJson(`${server.url}/r/unpublish`, { room: rooms[0], owner: 'secret-owner-bytes-0' });
      expect((await postJson(`${server.url}/r/publish`, { room: rooms[2], blob, owner: 'secret-owner-bytes-2' })).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('answers 503 KITH_ERR_STORE_UNAVAILABLE while Redis is down; health still answers', async () => {
    const own = await startTestRedis();
    const store = await RedisRoomStore.connect(own.url);
    const server = await startRendezvousServer({ store, host: '127.0.0.1', port: 0 });
    try {
      const room = randomRoom();
      expect((await postJson(`${server.url}/r/publish`, { room, blob: 'before', owner: 'secret-owner-down-1' })).status).to.equal(200);
      await own.stop();
      const down = await postJson(`${server.url}/r/publish`, { room, blob: 'during', owner: 'secret-owner-down-2' });
      expect([down.status, down.body.error.code]).to.deep.equal([503, 'KITH_ERR_STORE_UNAVAILABLE']);
      const fetchDown = await getJson(`${server.url}/r/fetch/${room}`);
      expect(fetchDown.body.error.code).to.equal('KITH_ERR_STORE_UNAVAILABLE');
      expect((await getJson(`${server.url}/r/health`)).status).to.equal(200);
    } finally {
      await server.close();
      await own.stop();
    }
  });

  it('answers 503 within the command timeout while Redis hangs, and serves again once it answers', async () => {
    const own = await startTestRedis();
    const store = await RedisRoomStore.connect(own.url, { commandTimeoutMs: 500 });
    const server = await startRendezvousServer({ store, host: '127.0.0.1', port: 0 });
    try {
      const room = randomRoom();
      expect((await postJson(`${server.url}/r/publish`, { room, blob: 'before', owner: 'secret-owner-hang-1' })).status).to.equal(200);
      own.pause();
      const started = Date.now();
      const [publish, fetched] = await Promise.all([
        postJson(`${server.url}/r/publish`, { room, blob: 'during', owner: 'secret-owner-hang-2' }),
        getJson(`${server.url}/r/fetch/${room}`),
      ]);
      const waited = Date.now() - started;
      expect([publish.status, publish.body.error.code]).to.deep.equal([503, 'KITH_ERR_STORE_UNAVAILABLE']);
      expect([fetched.status, fetched.body.error.code]).to.deep.equal([503, 'KITH_ERR_STORE_UNAVAILABLE']);
      // Bounded by the timeout (500 ms per command), not by how long Redis stays stopped.
      expect(waited).to.be.below(5000);
      expect((await getJson(`${server.url}/r/health`)).status).to.equal(200);
      own.resume();
      expect((await postJson(`${server.url}/r/publish`, { room, blob: 'after', owner: 'secret-owner-hang-3' })).status).to.equal(200);
      expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries.map((e: { blob: string }) => e.blob)).to.include.members(['before', 'after']);
    } finally {
      own.resume();
      await server.close();
      await own.stop();
    }
  });

  it('enforces the per-room and total caps across processes (atomic Lua)', async () => {
    const prefix = `kith:rv:cap${Date.now()}:`;
    const limits = { maxEntriesPerRoom: 3, maxEntries: 5 };
    const storeA = await RedisRoomStore.connect(redis.url, { prefix });
    const storeB = await RedisRoomStore.connect(redis.url, { prefix });
    const a = await startRendezvousServer({ store: storeA, limits, host: '127.0.0.1', port: 0 });
    const b = await startRendezvousServer({ store: storeB, limits, host: '127.0.0.1', port: 0 });
    try {
      const room = randomRoom();
      for (let i = 0; i < 3; i++) {
        const server = i % 2 ? b : a;
        expect((await postJson(`${server.url}/r/publish`, { room, blob: `b${i}`, owner: `secret-owner-${i}-xx` })).status).to.equal(200);
      }
      const full = await postJson(`${b.url}/r/publish`, { room, blob: 'b3', owner: 'secret-owner-3-xx' });
      expect(full.status).to.equal(429);
      expect(full.body.error.code).to.equal('KITH_ERR_ROOM_FULL');
      // Replacing an existing owner is not a new entry.
      expect((await postJson(`${b.url}/r/publish`, { room, blob: 'b0-again', owner: 'secret-owner-0-xx' })).status).to.equal(200);

      const other = randomRoom();
      await postJson(`${a.url}/r/publish`, { room: other, blob: 'o1', owner: 'secret-owner-o1-x' });
      await postJson(`${b.url}/r/publish`, { room: other, blob: 'o2', owner: 'secret-owner-o2-x' });
      const storeFull = await postJson(`${a.url}/r/publish`, { room: other, blob: 'o3', owner: 'secret-owner-o3-x' });
      expect(storeFull.status).to.equal(507);
      expect(storeFull.body.error.code).to.equal('KITH_ERR_STORE_FULL');
      expect((await storeA.stats(Date.now())).entries).to.equal(5);
      // Unpublishing frees room for a new entry, in both counters.
      await postJson(`${b.url}/r/unpublish`, { room: other, owner: 'secret-owner-o1-x' });
      expect((await postJson(`${a.url}/r/publish`, { room: other, blob: 'o3', owner: 'secret-owner-o3-x' })).status).to.equal(200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
