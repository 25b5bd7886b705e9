import { expect } from 'chai';
import { MemoryRoomStore } from '../src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../src/server/server.js';
import { entryBytes } from '../src/server/room-store.js';
import { ownerTagOf } from '../src/owner-tag.js';
import { requestFrom } from './support/http-from.js';
import { getJson, postJson, randomRoom } from './support/rooms.js';

describe('rendezvous server under abuse', () => {
  const servers: RunningRendezvous[] = [];
  async function start(limits: Parameters<typeof startRendezvousServer>[0]['limits']): Promise<RunningRendezvous> {
    const server = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 60_000 }), limits, host: '127.0.0.1', port: 0 });
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('refuses an oversized blob and an oversized body with 413 KITH_ERR_PAYLOAD_TOO_LARGE', async () => {
    const server = await start({ maxBlobBytes: 1024, maxBodyBytes: 2048 });
    const room = randomRoom();
    const blob = await postJson(`${server.url}/r/publish`, { room, blob: 'x'.repeat(1025), owner: 'secret-owner-big1' });
    expect(blob.status).to.equal(413);
    expect(blob.body.error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    const body = await postJson(`${server.url}/r/publish`, { room, blob: 'x'.repeat(4096), owner: 'secret-owner-big2' });
    expect(body.status).to.equal(413);
    expect(body.body.error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    // A declared Content-Length above the bound is refused before any of the body is read.
    const declared = await requestFrom('127.0.0.1', `${server.url}/r/publish`, {
      method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024) }, body: '{',
    }).catch((error: Error) => ({ status: -1, body: error.message }));
    expect(declared.status).to.equal(413);
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries).to.deep.equal([]);
    expect(await server.store.stats(Date.now())).to.deep.equal({ entries: 0, bytes: 0 });
  });

  it('caps entries per room (429 KITH_ERR_ROOM_FULL) and in total (507 KITH_ERR_STORE_FULL), losing nothing stored', async () => {
    const server = await start({ maxEntriesPerRoom: 4, maxEntries: 10 });
    const room = randomRoom();
    for (let i = 0; i < 4; i++) expect((await postJson(`${server.url}/r/publish`, { room, blob: `b${i}`, owner: `secret-owner-${i}-xx` })).status).to.equal(200);
    const full = await postJson(`${server.url}/r/publish`, { room, blob: 'b4', owner: 'secret-owner-4-xx' });
    expect([full.status, full.body.error.code]).to.deep.equal([429, 'KITH_ERR_ROOM_FULL']);
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries.map((e: any) => e.blob)).to.deep.equal(['b0', 'b1', 'b2', 'b3']);
    for (let i = 0; i < 6; i++) await postJson(`${server.url}/r/publish`, { room: randomRoom(), blob: 'y', owner: `secret-owner-y${i}-x` });
    const storeFull = await postJson(`${server.url}/r/publish`, { room: randomRoom(), blob: 'z', owner: 'secret-owner-zzzz' });
    expect([storeFull.status, storeFull.body.error.code]).to.deep.equal([507, 'KITH_ERR_STORE_FULL']);
    expect((await server.store.stats(Date.now())).entries).to.equal(10);
  });

  it('keeps its memory within the configured bound while flooded with distinct rooms', async () => {
    const maxStoreBytes = 256 * 1024;
    const server = await start({ maxStoreBytes, maxEntries: 1_000_000, ratePerWindow: 1_000_000 });
    const blob = 'q'.repeat(4000);
    const perEntry = entryBytes(randomRoom(), ownerTagOf('any secret'), blob);
    let stored = 0;
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const res = await postJson(`${server.url}/r/publish`, { room: randomRoom(), blob, owner: `secret-owner-${String(i).padStart(4, '0')}` });
      if (res.status === 200) stored++;
      else {
        expect(res.body.error.code).to.equal('KITH_ERR_STORE_FULL');
        refused++;
      }
    }
    const stats = await server.store.stats(Date.now());
    expect(stats.bytes).to.be.at.most(maxStoreBytes);
    expect(stored).to.equal(Math.floor(maxStoreBytes / perEntry));
    expect(refused).to.equal(200 - stored);
    // The dump agrees with the accounting: nothing is held beyond what stats reports.
    const held = (server.store as MemoryRoomStore).dump().rooms.flatMap((r) => r.entries).reduce((n, e) => n + e.bytes, 0);
    expect(held).to.equal(stats.bytes);
  });

  it('rate-limits a flooding client (429 KITH_ERR_RATE_LIMITED) while other clients keep being served', async () => {
    const server = await start({ ratePerWindow: 40, rateWindowMs: 60_000 });
    const room = randomRoom();
    const flood = await Promise.all(
      Array.from({ length: 120 }, () => requestFrom('127.0.0.1', `${server.url}/r/fetch/${room}`)),
    );
    const ok = flood.filter((r) => r.status === 200).length;
    const limited = flood.filter((r) => r.status === 429);
    // A full bucket of 40, plus what refilled while the flood ran (40 per minute).
    expect(ok).to.be.within(40, 42);
    expect(limited).to.have.length(120 - ok);
    for (const r of limited) expect(r.body.error.code).to.equal('KITH_ERR_RATE_LIMITED');
    // The flooder is still refused; a different client address is served normally.
    expect((await requestFrom('127.0.0.1', `${server.url}/r/fetch/${room}`)).status).to.equal(429);
    const other = await requestFrom('127.0.0.2', `${server.url}/r/publish`, {
      method: 'POST', body: JSON.stringify({ room, blob: 'still-served', owner: 'secret-owner-other' }),
    });
    expect(other.status).to.equal(200);
    const fetched = await requestFrom('127.0.0.2', `${server.url}/r/fetch/${room}`);
    expect(fetched.body.entries.map((e: any) => e.blob)).to.deep.equal(['still-served']);
  });
});
