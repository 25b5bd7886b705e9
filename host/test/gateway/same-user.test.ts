/**
 * Only the user who runs Kith reaches it: a process of another account on the same machine gets
 * its connection closed unread (it would otherwise read the launch secret in index.html), whatever
 * source address it binds, while Kith's own user and root are served. The owner of a connection is
 * read from the kernel's socket tables, off the event loop, for IPv4, IPv6 and mapped clients.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../src/host.js';
import { SocketTables, socketTablesReadable } from '../../src/gateway/loopback-owner.js';
import { admitSameUserOnly, type TableReader } from '../../src/gateway/same-user-only.js';

const LINUX = process.platform === 'linux' && socketTablesReadable();
/** The unprivileged account the test connects as (nobody). */
const OTHER_UID = 65534;

/** The accepting side's socket of a fresh connection to a server on `address`, and the client's. */
async function connectionOn(address: string): Promise<{ accepted: net.Socket; client: net.Socket; close(): Promise<void> }> {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, address.startsWith('::ffff:') ? address.slice(7) : address);
  await new Promise((resolve) => client.once('connect', resolve));
  const socket = await accepted;
  return {
    accepted: socket,
    client,
    close: async () => {
      client.destroy();
      socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An address of this machine that is not loopback (a LAN, bridge or VPN address), if it has one. */
function externalAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

/** GET `/` as `uid` from a child process, optionally from source address `from`: the status and whether the secret came. */
function getAs(uid: number | undefined, port: number, secret: string, from?: string): Promise<string> {
  const local = from ? `, localAddress: ${JSON.stringify(from)}` : '';
  const script = `require('http').get({ host: '127.0.0.1', port: ${port}, path: '/', headers: { host: '127.0.0.1:${port}' }${local} }, (res) => { let body = ''; res.on('data', (c) => body += c); res.on('end', () => console.log(res.statusCode, body.includes(${JSON.stringify(secret)}) ? 'with-secret' : 'no-secret')); }).on('error', (e) => console.log('error', e.code));`;
  // Not spawnSync: the host answering runs in this process.
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { uid, gid: uid === undefined ? undefined : OTHER_UID, encoding: 'utf8', timeout: 15_000, cwd: '/' }, (error, stdout, stderr) => {
      resolve((stdout || stderr || String(error)).trim());
    });
  });
}

/** An HTTP server behind the admission, answering 200; `read` stands in for the kernel's tables. */
async function admittedServer(read: TableReader, log = createLogger('silent'), maxWaiting?: number) {
  const server = http.createServer((_req, res) => res.end('served'));
  admitSameUserOnly(server, log, { read, maxWaiting });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    }).on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
  });
}

const owner = (uid: number | null) => async () => ({ ownerOf: () => uid });

describe('gateway: only the user who runs Kith may connect', function () {
  this.timeout(60_000);

  before(function () {
    if (!LINUX) {
      console.log('      skipped: no readable /proc/net/tcp (the owner check runs on Linux only)');
      this.skip();
    }
  });

  it('reads the owner of IPv4, IPv4-mapped and IPv6 connections from the kernel', async () => {
    const addresses = ['127.0.0.1', '::ffff:127.0.0.1'];
    if (os.networkInterfaces()['lo']?.some((i) => i.address === '::1')) addresses.push('::1');
    for (const address of addresses) {
      const c = await connectionOn(address);
      try {
        expect((await SocketTables.read()).ownerOf(c.accepted), address).to.equal(process.getuid!());
      } finally {
        await c.close();
      }
    }
  });

  it('finds no owner for a connection that is closing (listed under uid 0) or that no table holds', async () => {
    const c = await connectionOn('127.0.0.1');
    c.client.end(); // the client's side goes to FIN_WAIT: the kernel lists it under uid 0
    await new Promise((resolve) => c.accepted.once('end', resolve));
    expect((await SocketTables.read()).ownerOf(c.accepted)).to.equal(null);
    await c.close();
    expect((await SocketTables.read()).ownerOf({ remoteAddress: '127.0.0.9', remotePort: 1, localAddress: '127.0.0.9', localPort: 2 })).to.equal(null);
    expect(socketTablesReadable(['/nonexistent/tcp'])).to.equal(false);
    let refused: unknown;
    await SocketTables.read(['/nonexistent/tcp']).catch((error: unknown) => (refused = error));
    expect(refused, 'a table that cannot be read rejects').to.be.instanceOf(Error);
  });

  it('serves its own user and root; closes another user\'s connection unread and logs it without flooding', async () => {
    const lines: string[] = [];
    const log = createLogger('warn', { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
    const other = await admittedServer(owner(OTHER_UID), log);
    for (let i = 0; i < 5; i++) expect(await get(other.port)).to.match(/^error (ECONNRESET|EPIPE)$/);
    await other.close();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('another user').and.to.contain(`"uid":${OTHER_UID}`);
    for (const uid of [process.getuid!(), 0]) {
      const mine = await admittedServer(owner(uid));
      expect(await get(mine.port)).to.equal('200 served');
      await mine.close();
    }
  });

  it('fails closed: a table that cannot be read now, or no row for the connection, refuses it', async () => {
    const broken = await admittedServer(async () => {
      throw new Error('EMFILE: too many open files');
    });
    expect(await get(broken.port)).to.match(/^error (ECONNRESET|EPIPE)$/);
    await broken.close();
    let looks = 0;
    const unknown = await admittedServer(async (tables) => {
      if (tables[0] === '/proc/net/tcp') looks++; // each look reads the IPv4 table, then the IPv6 one
      return { ownerOf: () => null };
    });
    expect(await get(unknown.port)).to.match(/^error (ECONNRESET|EPIPE)$/);
    expect(looks, 'looked for twice (a row can be missed while the table changes), then refused').to.equal(2);
    await unknown.close();
    // Found on the second look: served.
    let second = 0;
    const late = await admittedServer(async () => ({ ownerOf: () => (++second >= 2 ? process.getuid!() : null) }));
    expect(await get(late.port)).to.equal('200 served');
    await late.close();
  });

  it('holds connections off the event loop, answers a waiting batch with one read, bounds the wait, and survives a client that resets meanwhile', async () => {
    let reads = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await admittedServer(async () => {
      reads++;
      await gate;
      return { ownerOf: () => process.getuid!() };
    }, createLogger('silent'), 5); // the one being read counts too
    const first = get(slow.port);
    await new Promise((r) => setTimeout(r, 100));
    // While the first read waits, more clients are accepted and queue behind it.
    const reset = net.connect(slow.port, '127.0.0.1');
    await new Promise((resolve) => reset.once('connect', resolve));
    reset.resetAndDestroy();
    const queued = [get(slow.port), get(slow.port), get(slow.port)];
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(slow.port), 'past the bound: closed at once').to.match(/^error (ECONNRESET|EPIPE)$/);
    release();
    expect(await first).to.equal('200 served');
    expect(await Promise.all(queued)).to.deep.equal(['200 served', '200 served', '200 served']);
    expect(reads, 'one read for the first, one for the batch that waited behind it').to.equal(2);
    await slow.close();
  });

  describe('against a real host', () => {
    let host: RunningHost;
    let dataDir: string;
    let port: number;

    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-same-user-'));
      const clientDir = path.join(dataDir, 'client');
      fs.mkdirSync(clientDir);
      fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><html><head><meta name="kith-secret" content=""></head><body></body></html>');
      host = await startHost({
        clientDir,
        config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
        log: createLogger('silent'),
        extensions: { builtinDir: DEFAULT_BUILTIN_DIR },
      });
      port = Number(new URL(host.url).port);
    });
    after(async () => {
      await host?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves the page (and its launch secret) to its own user', async () => {
      expect(await getAs(undefined, port, host.launchSecret)).to.equal('200 with-secret');
    });

    it('gives another account no page and no secret, from 127.0.0.1 or from any other address of the machine', async function () {
      if (process.getuid!() !== 0) {
        console.log('      skipped: connecting as another user needs root (run the suite as root, as .ci/run does)');
        this.skip();
      }
      expect(await getAs(OTHER_UID, port, host.launchSecret)).to.match(/^error (ECONNRESET|EPIPE)$/);
      const external = externalAddress();
      if (!external) {
        console.log('      (this machine has no address but loopback: the other-source case was not run)');
        return;
      }
      // A client may bind its end to any address the machine owns and still reach 127.0.0.1.
      expect(await getAs(undefined, port, host.launchSecret, external), 'own user from that address').to.equal('200 with-secret');
      expect(await getAs(OTHER_UID, port, host.launchSecret, external)).to.match(/^error (ECONNRESET|EPIPE)$/);
    });
  });
});
