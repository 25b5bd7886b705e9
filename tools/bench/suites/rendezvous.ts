import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import express from 'express';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { measureLoad } from '../load.js';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { RedisRoomStore } from '../../../rendezvous/src/server/redis-store.js';
import { ownerTagOf } from '../../../rendezvous/src/owner-tag.js';
import type { RoomStore } from '../../../rendezvous/src/server/room-store.js';
import { startRendezvousServer } from '../../../rendezvous/src/server/server.js';
import { startTestRedis } from '../../../rendezvous/test/support/redis-server.js';
import { ClientFrom, quantile } from '../../../rendezvous/test/support/client-from.js';
import { startFlood } from '../../../rendezvous/test/support/flood-process.js';

/** A sealed announce is about 800 characters on the wire; the bench uses blobs of that size. */
const BLOB = `{"v":1,"t":"sealed_announce","tag":"${'a'.repeat(32)}","box":"${'B'.repeat(740)}"}`;
const LIVE_ENTRIES = 100_000;
const NO_RATE_LIMIT = { ratePerWindow: 1e9, maxEntries: 1e7, maxStoreBytes: 4 * 2 ** 30 };
/** Caps for entries the bench puts straight into a store (no HTTP, no limits in the way). */
const BENCH_CAPS = { maxEntriesPerRoom: 256, maxEntries: 1e7, maxStoreBytes: 2 ** 32 };

const room = (i: number) => createHash('sha256').update(`bench-room-${i}`).digest('hex');

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

async function heapAfterGc(): Promise<number> {
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Median of `rounds` interleaved measurements, so a noisy shared machine hits both sides alike. */
async function interleaved(urls: Array<Parameters<typeof measureLoad>[0]>, rounds = 3): Promise<Array<{ rps: number; p99: number; errors: number }>> {
  const samples = urls.map(() => [] as Array<{ rps: number; p99: number; errors: number }>);
  for (let round = 0; round < rounds; round++) {
    for (const [i, options] of urls.entries()) {
      const r = await measureLoad({ seconds: 2, ...options });
      samples[i]!.push({ rps: r.requestsPerSecond, p99: r.p99Ms, errors: r.errors });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return samples.map((s) => ({ rps: median(s.map((x) => x.rps)), p99: median(s.map((x) => x.p99)), errors: s.reduce((n, x) => n + x.errors, 0) }));
}

async function loadRows(label: string, store: RoomStore, bareUrl: string): Promise<BenchRow[]> {
  const server = await startRendezvousServer({ store, host: '127.0.0.1', port: 0, limits: NO_RATE_LIMIT });
  try {
    const r = room(1);
    // A room as a poll finds it: 20 friends' sealed announces.
    for (let i = 0; i < 20; i++) await store.put({ room: r, owner: `owner-${i}-bench`, anonymous: false, blob: BLOB, now: Date.now(), ttlMs: 600_000, caps: BENCH_CAPS });
    const [bare, publish, fetched] = await interleaved([
      { url: bareUrl },
      { url: `${server.url}/r/publish`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room: r, blob: BLOB, owner: 'owner-bench-publish' }) },
      { url: `${server.url}/r/fetch/${r}` },
    ]);
    if (publish!.errors || fetched!.errors) throw new Error(`rendezvous bench saw errors: publish ${publish!.errors}, fetch ${fetched!.errors}`);
    const base = (value: number, unit: string) => ({ name: 'bare express GET /hello', value, unit });
    const note = 'median of 3 interleaved 2 s runs';
    return [
      { area: 'rendezvous', metric: `POST /r/publish (${label}, 800 B blob)`, value: publish!.rps, unit: 'req/s', baseline: base(bare!.rps, 'req/s'), goal: note },
      { area: 'rendezvous', metric: `POST /r/publish p99 (${label})`, value: publish!.p99, unit: 'ms', baseline: base(bare!.p99, 'ms') },
      { area: 'rendezvous', metric: `GET /r/fetch (${label}, 21 entries)`, value: fetched!.rps, unit: 'req/s', baseline: base(bare!.rps, 'req/s'), goal: note },
      { area: 'rendezvous', metric: `GET /r/fetch p99 (${label})`, value: fetched!.p99, unit: 'ms', baseline: base(bare!.p99, 'ms') },
    ];
  } finally {
    await server.close();
  }
}

/**
 * A bystander's publish+fetch latency (its own small room, default limits) alone and while one
 * other address, in its own process, stuffs a room with 16 KiB blobs and fetches it 8 at a time.
 */
async function floodRows(): Promise<BenchRow[]> {
  const server = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 1_000 }), host: '127.0.0.1', port: 0 });
  const bystander = new ClientFrom('127.0.0.3');
  try {
    const r = room(2);
    const owner = 'bench-bystander-secret';
    const rounds = async (n: number) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        ms.push((await bystander.post(`${server.url}/r/publish`, { room: r, blob: BLOB, owner })).ms);
        ms.push((await bystander.get(`${server.url}/r/fetch/${r}`)).ms);
      }
      return ms;
    };
    await rounds(20);
    const alone = await rounds(150);
    const flood = startFlood({ url: server.url, address: '127.0.0.9', room: room(3), fill: 300, width: 8 });
    await flood.filling;
    const during = await rounds(150);
    await flood.stop();
    const base = (value: number) => ({ name: 'same, no flood', value, unit: 'ms' });
    return [
      { area: 'rendezvous', metric: 'bystander publish/fetch p50 while a room is flooded (memory)', value: quantile(during, 0.5), unit: 'ms', baseline: base(quantile(alone, 0.5)), goal: 'flat: a flooder costs others little' },
      { area: 'rendezvous', metric: 'bystander publish/fetch p99 while a room is flooded (memory)', value: quantile(during, 0.99), unit: 'ms', baseline: base(quantile(alone, 0.99)) },
    ];
  } finally {
    bystander.close();
    await server.close();
  }
}

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Publish/fetch throughput beside a bare express server, and memory at 100k live entries. */
const suite: BenchSuite = {
  name: 'rendezvous',
  async run() {
    const bareApp = express();
    bareApp.get('/hello', (_req, res) => res.json({ status: 'ok' }));
    const bareServer = bareApp.listen(0, '127.0.0.1');
    await new Promise((r) => bareServer.once('listening', r));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/hello`;
    const rows: BenchRow[] = [];
    try {
      rows.push(...(await loadRows('memory', new MemoryRoomStore({ sweepIntervalMs: 60_000 }), bareUrl)));
      if (hasRedis()) {
        const redis = await startTestRedis();
        try {
          rows.push(...(await loadRows('redis', await RedisRoomStore.connect(redis.url), bareUrl)));
        } finally {
          await redis.stop();
        }
      }
    } finally {
      bareServer.close();
    }
    rows.push(...(await floodRows()));

    // Memory at 100k live entries (distinct rooms, 800-byte blobs, 43-character owner tags), beside a plain Map of the same blobs.
    // Each structure gets its own flat copies of the blobs, so both rows include the blob bytes.
    const blobAt = (i: number) => Buffer.from(`${BLOB.slice(0, -8)}${String(i).padStart(6, '0')}"}`).toString('latin1');
    const before = await heapAfterGc();
    const plain = new Map<string, string>();
    for (let i = 0; i < LIVE_ENTRIES; i++) plain.set(room(i), blobAt(i));
    const withMap = await heapAfterGc();
    plain.clear();
    const cleared = await heapAfterGc();
    const store = new MemoryRoomStore({ sweepIntervalMs: 60_000 });
    const now = Date.now();
    for (let i = 0; i < LIVE_ENTRIES; i++) {
      await store.put({ room: room(i), owner: ownerTagOf(`owner-${i}-bench`), anonymous: false, blob: blobAt(i), now, ttlMs: 600_000, caps: BENCH_CAPS });
    }
    const withStore = await heapAfterGc();
    const accounted = (await store.stats(now)).bytes;
    await store.close();
    const mib = (n: number) => n / 2 ** 20;
    rows.push({
      area: 'rendezvous', metric: 'heap for 100k live entries (memory store)', value: mib(withStore - cleared), unit: 'MiB',
      baseline: { name: 'plain Map room→blob', value: mib(withMap - before), unit: 'MiB' },
      goal: `store's own accounting: ${mib(accounted).toFixed(1)} MiB (the bound it enforces)`,
    });
    return rows;
  },
};
export default suite;
