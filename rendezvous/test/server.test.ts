import { expect } from 'chai';
import { MemoryRoomStore } from '../src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../src/server/server.js';
import { getJson, postJson, randomRoom } from './support/rooms.js';
import { ownerTagOf } from '../src/owner-tag.js';

describe('rendezvous server /r/*', () => {
  let server: RunningRendezvous;
  let now = 1_700_000_000_000;
  beforeEach(async () => {
    now = 1_700_000_000_000;
    server = await startRendezvousServer({
      store: new MemoryRoomStore({ sweepIntervalMs: 60_000 }), host: '127.0.0.1', port: 0, clock: () => now,
    });
  });
  afterEach(() => server.close());

  it('answers health and time', async () => {
    expect((await getJson(`${server.url}/r/health`)).body).to.include({ status: 'ok', role: 'rendezvous' });
    expect((await getJson(`${server.url}/r/time`)).body).to.deep.equal({ now });
    expect((await fetch(`${server.url}/r/fetch/${randomRoom()}`)).headers.get('cache-control')).to.equal('no-store');
  });

  it('publishes, replaces by owner secret, fetches (only the hashed tag) and unpublishes', async () => {
    const room = randomRoom();
    expect((await postJson(`${server.url}/r/publish`, { room, blob: 'one', owner: 'secret-owner-aaaa' })).status).to.equal(200);
    now += 1000;
    await postJson(`${server.url}/r/publish`, { room, blob: 'two', owner: 'secret-owner-aaaa' });
    now += 1;
    await postJson(`${server.url}/r/publish`, { room, blob: 'anon' });
    const fetched = (await getJson(`${server.url}/r/fetch/${room}`)).body.entries;
    expect(fetched).to.deep.equal([
      { blob: 'two', owner: ownerTagOf('secret-owner-aaaa'), storedAt: now - 1 },
      { blob: 'anon', storedAt: now },
    ]);
    expect(fetched[0].owner).to.match(/^[A-Za-z0-9_-]{43}$/).and.not.equal('secret-owner-aaaa');
    expect((await postJson(`${server.url}/r/unpublish`, { room, owner: 'secret-owner-aaaa' })).body).to.deep.equal({ removed: true });
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries.map((e: any) => e.blob)).to.deep.equal(['anon']);
  });

  it('drops entries after the TTL (10 minutes)', async () => {
    const room = randomRoom();
    await postJson(`${server.url}/r/publish`, { room, blob: 'x', owner: 'secret-owner-bbbb' });
    now += 10 * 60_000 - 1;
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries).to.have.length(1);
    now += 1;
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries).to.have.length(0);
    expect(await server.store.stats(now)).to.deep.equal({ entries: 0, bytes: 0 });
  });

  it('refuses malformed rooms, owners and bodies with KITH_ERR_BAD_REQUEST', async () => {
    const bad = [
      { room: 'ABC', blob: 'x' },
      { room: randomRoom().toUpperCase(), blob: 'x' },
      { room: randomRoom(), blob: '' },
      { room: randomRoom(), blob: 'x', owner: 'short' },
      { room: randomRoom(), blob: 'x', owner: 'fifteen-chars-x' },
      { room: randomRoom(), blob: 'x', owner: 'has space in it' },
      { room: randomRoom(), blob: 42 },
    ];
    for (const body of bad) {
      const res = await postJson(`${server.url}/r/publish`, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    }
    const notJson = await postJson(`${server.url}/r/publish`, '{"room":');
    expect(notJson.status).to.equal(400);
    expect((await getJson(`${server.url}/r/fetch/not-a-room`)).body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    for (const query of ['cursor=nope', `cursor=${'9'.repeat(17)}.${'a'.repeat(43)}`, 'limit=0', 'limit=-1', 'limit=x']) {
      const res = await getJson(`${server.url}/r/fetch/${randomRoom()}?${query}`);
      expect([res.status, res.body.error.code], query).to.deep.equal([400, 'KITH_ERR_BAD_REQUEST']);
    }
    expect((await getJson(`${server.url}/r/nothing`)).status).to.equal(404);
  });

  it('ignores fields and parameters it does not read (a reference client\'s ttl, a cache-busting parameter)', async () => {
    const room = randomRoom();
    const published = await postJson(`${server.url}/r/publish`, { room, blob: 'kept', ttl: 600, extra: { nested: true } });
    expect(published.status).to.equal(200);
    const fetched = await getJson(`${server.url}/r/fetch/${room}?_=${Date.now()}`);
    expect(fetched.status).to.equal(200);
    expect(fetched.body.entries.map((e: { blob: string }) => e.blob)).to.deep.equal(['kept']);
    expect(Object.keys(fetched.body.entries[0]).sort(), 'nothing of the extra fields is stored').to.deep.equal(['blob', 'storedAt']);
  });

  it("takes `owner: null` as no owner (how serde and Go clients send an unset optional field)", async () => {
    const room = randomRoom();
    const published = await postJson(`${server.url}/r/publish`, { room, blob: 'no-owner', owner: null });
    expect(published.status).to.equal(200);
    expect((await getJson(`${server.url}/r/fetch/${room}`)).body.entries).to.deep.equal([{ blob: 'no-owner', storedAt: now }]);
    expect((await postJson(`${server.url}/r/unpublish`, { room, owner: null })).status, 'unpublish still names an owner').to.equal(400);
  });
});
