import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MAX_FETCH_PAGES, RendezvousClient, normaliseServerUrl } from '../src/peer/client.js';
import { MemoryRoomStore } from '../src/server/memory-store.js';
import { startRendezvousServer } from '../src/server/server.js';
import { randomRoom } from './support/rooms.js';

describe('rendezvous peer client', () => {
  it('publishes, fetches, unpublishes and reads the clock against a real server', async () => {
    const server = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 60_000 }), host: '127.0.0.1', port: 0 });
    try {
      const client = new RendezvousClient(`${server.url}/`);
      expect((await client.health()).role).to.equal('rendezvous');
      const room = randomRoom();
      await client.publish(room, 'blob-1', 'secret-owner-1234');
      expect((await client.fetch(room)).map((e) => e.blob)).to.deep.equal(['blob-1']);
      await client.unpublish(room, 'secret-owner-1234');
      expect(await client.fetch(room)).to.deep.equal([]);
      const clock = await client.time();
      expect(Math.abs(clock.offsetMs)).to.be.below(1000);
      const error = await client.publish(room, 'x'.repeat(20_000)).catch((e) => e);
      expect(error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    } finally {
      await server.close();
    }
  });

  it('follows fetch pages, but not forever: a bounded number of pages, and never a repeated cursor', async () => {
    const asked: string[] = [];
    const endless = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      const query = new URL(req.url ?? '', 'http://x').searchParams;
      const page = Number(query.get('cursor') ?? 0);
      const next = req.url?.includes('loop') ? 'same' : String(page + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ entries: [{ blob: `p${page}`, storedAt: 1 }], next }));
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    try {
      const entries = await new RendezvousClient(url).fetch(randomRoom());
      expect(entries).to.have.length(MAX_FETCH_PAGES);
      expect(asked).to.have.length(MAX_FETCH_PAGES);
      asked.length = 0;
      const looping = await new RendezvousClient(`${url}/loop`).fetch(randomRoom());
      expect(looping).to.have.length(2); // the first page, then the page after 'same'; 'same' again ends it
      expect(asked).to.have.length(2);
    } finally {
      endless.close();
    }
  });

  it('times out, bounds the answer size, and reports an unreachable server', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hostile = http.createServer((req, res) => {
      if (req.url === '/r/time') return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    hostile.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
    try {
      const client = new RendezvousClient(url, { timeoutMs: 300 });
      expect((await client.time().catch((e) => e)).code).to.equal('KITH_ERR_TIMEOUT');
      const big = await new RendezvousClient(url, { timeoutMs: 5000 }).fetch(randomRoom()).catch((e) => e);
      expect(big.code).to.equal('KITH_ERR_UPSTREAM');
      expect(big.message).to.contain('too large');
    } finally {
      for (const s of sockets) s.destroy();
      hostile.close();
    }
    const closedPort = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    expect((await new RendezvousClient(`http://127.0.0.1:${closedPort}`).health().catch((e) => e)).code).to.equal('KITH_ERR_UPSTREAM');
    expect(() => normaliseServerUrl('ftp://x')).to.throw(/http/);
    expect(normaliseServerUrl(' https://rend.example.org/ ')).to.equal('https://rend.example.org');
  });
});
