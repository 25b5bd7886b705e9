/**
 * Diagnostics belong to one persona: connect traces name friends and their endpoints, so after a
 * persona switch (or a lock) a real host's `/api/diagnostics/*` logs show nothing of the persona
 * that was active before. The host keeps the logs; the diagnostics extension (the only built-in
 * here) serves them through `ctx.diagnostics`, and turning it off for a persona removes its routes.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { diagnosticsOnlyBuiltins } from '../diagnostics/diagnostics-builtin.js';

/**
 * A pass-through proxy in front of a real rendezvous that, once `hold` is set, keeps unpublish
 * requests unanswered: the retiring persona's rooms stay tracked (and its late traces arrive)
 * while the next persona is already active.
 */
async function startHoldingProxy(upstream: string) {
  const held: http.ServerResponse[] = [];
  const proxy = { hold: false, held, url: '', server: undefined as unknown as http.Server };
  proxy.server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (proxy.hold && req.url === '/r/unpublish') return void held.push(res);
    const answer = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}`;
  return proxy;
}

describe('diagnostics: traces, rooms and rendezvous activity are scoped to the active persona', function () {
  this.timeout(60_000);
  let dataDir: string;
  let host: RunningHost;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-diag-scope-'));
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
      log: createLogger('silent'),
      extensions: { builtinDir: diagnosticsOnlyBuiltins(dataDir) },
    });
  });
  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const becomeActive = async (slug: string, create: boolean) => {
    if (create) expect((await call('POST', '/personas', { slug, label: slug, passphrase: `${slug} passphrase` })).status).to.equal(201);
    expect((await call('POST', '/identity/unlock', { slug, passphrase: `${slug} passphrase`, set_active: true })).status).to.equal(200);
  };
  let friend: string;
  const logs = async () => JSON.stringify([(await call('GET', '/diagnostics/traces')).body, (await call('GET', '/diagnostics/rendezvous')).body]);

  it('a second persona sees no trace of the first one\'s friends or endpoints', async () => {
    await becomeActive('first', true);
    friend = randomBytes(32).toString('hex');
    await host.areas.identity.friends.save({ peer: friend, peerId: randomBytes(8).toString('hex'), label: 'Far friend', x25519PublicKey: randomBytes(32).toString('hex') });
    const endpoint = '127.0.0.1:9';
    const attempt = await call('POST', '/connect', { peer: friend, ipv4: endpoint });
    expect(attempt.status).to.be.greaterThanOrEqual(400); // nobody there, but the ladder ran and traced
    const firstView = await logs();
    expect(firstView).to.include(friend.slice(0, 16));

    await becomeActive('second', true);
    const secondView = await logs();
    expect(secondView).to.not.include(friend.slice(0, 16));
    expect(secondView).to.not.include(endpoint);
    expect((await call('GET', '/diagnostics/traces')).body.entries).to.deep.equal([]);
    for (const limit of ['0', '501', '99999', '1.5']) {
      expect((await call('GET', `/diagnostics/traces?limit=${limit}`)).status, `limit=${limit}`).to.equal(400);
      expect((await call('GET', `/diagnostics/rendezvous?limit=${limit}`)).status, `limit=${limit}`).to.equal(400);
    }

    // Cleared from memory, not just hidden: back on the first persona, the old attempt is gone too.
    await becomeActive('first', false);
    expect(await logs()).to.not.include(friend.slice(0, 16));
  });

  it('rooms and rendezvous activity: the second persona sees none of the first one\'s, even while it is still unpublishing', async () => {
    const rendezvous: RunningRendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const proxy = await startHoldingProxy(rendezvous.url.replace(/\/$/, ''));
    const port = `:${new URL(proxy.url).port}`;
    const view = async () => JSON.stringify([(await call('GET', '/diagnostics/rooms')).body, (await call('GET', '/diagnostics/rendezvous')).body]);
    const word = `Garden Gate ${randomBytes(4).toString('hex')}`;
    try {
      await becomeActive('first', false);
      expect((await call('POST', '/rendezvous/join', { url: proxy.url, word, mode: 'manual' })).status).to.equal(200);
      const firstRooms = (await call('GET', '/diagnostics/rooms')).body;
      expect(firstRooms.rooms.map((r: { url: string }) => r.url)).to.deep.equal([proxy.url]);
      // Shown by the word the user typed, not only by its hash.
      expect(firstRooms.rooms[0]).to.include({ word, owners: 1 });
      expect(firstRooms.joined).to.have.length(1);
      expect(firstRooms.joined[0]).to.include({ url: proxy.url, word, mode: 'manual', show_strangers: false });
      expect(firstRooms.joined[0].room).to.equal(firstRooms.rooms[0].room).and.match(/^[0-9a-f]{64}$/);
      expect(await view()).to.include(port);

      proxy.hold = true; // the first persona's unpublish hangs: its room stays tracked for now
      await becomeActive('second', false);
      expect(host.areas.presence.tracker.size, 'the first persona\'s owner is still being unpublished').to.be.greaterThan(0);
      const secondRooms = (await call('GET', '/diagnostics/rooms')).body;
      expect(secondRooms).to.deep.equal({ rooms: [], joined: [] });
      expect(await view()).to.not.include(port);
      expect(await view()).to.not.include(word);

      // The unpublish ends (failed) while the second persona is active: its trace must not land there.
      for (const res of proxy.held.splice(0)) res.writeHead(503).end();
      const deadline = Date.now() + 20_000;
      while (host.areas.presence.tracker.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(host.areas.presence.tracker.size).to.equal(0);
      expect(await view()).to.not.include(port);
    } finally {
      for (const res of proxy.held.splice(0)) res.writeHead(503).end();
      proxy.server.closeAllConnections();
      await new Promise((resolve) => proxy.server.close(resolve));
      await rendezvous.close();
    }
  });

  it('a connect attempt that ends after the switch leaves its trace with nobody', async () => {
    await becomeActive('first', false);
    const started = Date.now();
    const attempt = call('POST', '/connect', { peer: friend, ipv4: '127.0.0.1:9' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await becomeActive('second', false);
    expect((await attempt).status).to.be.greaterThanOrEqual(400);
    expect(Date.now() - started, 'the attempt was still running at the switch').to.be.greaterThan(300);
    expect(await logs()).to.not.include(friend.slice(0, 16));
  });

  it('turned off for one persona, the routes answer 404 KITH_ERR_EXTENSION_DISABLED there and still answer for the other', async () => {
    const routes = ['/diagnostics/traces', '/diagnostics/rendezvous', '/diagnostics/rooms', '/diagnostics/net'];
    await becomeActive('second', false);
    expect((await call('POST', '/extensions/diagnostics', { enabled: false })).status).to.equal(200);
    for (const route of routes) {
      const off = await call('GET', route);
      expect(off.status, route).to.equal(404);
      expect(off.body.error.code, route).to.equal('KITH_ERR_EXTENSION_DISABLED');
    }
    await becomeActive('first', false);
    for (const route of routes) expect((await call('GET', route)).status, route).to.equal(200);
    expect((await call('GET', '/diagnostics/net')).body.udp_port).to.equal(host.areas.net.udpPort);
    await becomeActive('second', false);
    expect((await call('POST', '/extensions/diagnostics', { enabled: true })).status).to.equal(200);
    for (const route of routes) expect((await call('GET', route)).status, route).to.equal(200);
  });

  it('answers the locked state with 423, not with anyone\'s traces', async () => {
    expect((await call('POST', '/identity/lock')).status).to.be.lessThan(300);
    expect((await call('GET', '/diagnostics/traces')).status).to.equal(423);
  });
});
