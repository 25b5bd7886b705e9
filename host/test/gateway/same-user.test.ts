/**
 * Only the user who runs Kith reaches it: a process of another account on the same machine gets
 * its connection closed unread (it would otherwise read the launch secret in index.html), while
 * Kith's own user and root are served. The owner of a loopback connection is read from the
 * kernel's socket tables, for IPv4, IPv6 and IPv4-mapped connections.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../src/host.js';
import { loopbackOwner } from '../../src/gateway/loopback-owner.js';
import { sameUserOnly } from '../../src/gateway/same-user-only.js';

const LINUX = process.platform === 'linux' && fs.existsSync('/proc/net/tcp');
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

/** GET `/` as `uid` from a child process: the status line, or the error the client saw. */
function getAs(uid: number | undefined, port: number, secret: string): Promise<string> {
  const script = `require('http').get({ host: '127.0.0.1', port: ${port}, path: '/', headers: { host: '127.0.0.1:${port}' } }, (res) => { let body = ''; res.on('data', (c) => body += c); res.on('end', () => console.log(res.statusCode, body.includes(${JSON.stringify(secret)}) ? 'with-secret' : 'no-secret')); }).on('error', (e) => console.log('error', e.code));`;
  // Not spawnSync: the host answering runs in this process.
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], { uid, gid: uid === undefined ? undefined : OTHER_UID, encoding: 'utf8', timeout: 15_000, cwd: '/' }, (error, stdout, stderr) => {
      resolve((stdout || stderr || String(error)).trim());
    });
  });
}

describe('gateway: only the user who runs Kith may connect', function () {
  this.timeout(60_000);

  before(function () {
    if (!LINUX) {
      console.log('      skipped: no /proc/net/tcp (the owner check runs on Linux only)');
      this.skip();
    }
  });

  it('reads the owner of IPv4, IPv4-mapped and IPv6 loopback connections from the kernel', async () => {
    const addresses = ['127.0.0.1', '::ffff:127.0.0.1'];
    if (os.networkInterfaces()['lo']?.some((i) => i.address === '::1')) addresses.push('::1');
    for (const address of addresses) {
      const c = await connectionOn(address);
      try {
        expect(loopbackOwner(c.accepted), address).to.equal(process.getuid!());
      } finally {
        await c.close();
      }
    }
  });

  it('answers null for a connection the tables do not hold, and undefined where there are no tables', async () => {
    const c = await connectionOn('127.0.0.1');
    const ends = { remoteAddress: c.accepted.remoteAddress, remotePort: c.accepted.remotePort, localAddress: c.accepted.localAddress, localPort: c.accepted.localPort };
    await c.close();
    // Port 1 to port 2 on 127.0.0.9: no socket of any state has that pair.
    expect(loopbackOwner({ remoteAddress: '127.0.0.9', remotePort: 1, localAddress: '127.0.0.9', localPort: 2 })).to.equal(null);
    expect(loopbackOwner(ends, ['/nonexistent/tcp', '/nonexistent/tcp6'])).to.equal(undefined);
  });

  it('closes the connection of another user unread, and logs it without flooding', async () => {
    const lines: string[] = [];
    const log = createLogger('warn', { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
    const admit = sameUserOnly(log, () => OTHER_UID);
    for (let i = 0; i < 5; i++) {
      const c = await connectionOn('127.0.0.1');
      admit(c.accepted);
      expect(c.accepted.destroyed, 'closed').to.equal(true);
      await c.close();
    }
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('another user').and.to.contain(`"uid":${OTHER_UID}`);
    const mine = sameUserOnly(log, () => process.getuid!());
    const c = await connectionOn('127.0.0.1');
    mine(c.accepted);
    expect(c.accepted.destroyed, 'own user admitted').to.equal(false);
    await c.close();
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

    it('gives another account on the machine no page and no secret: its connection is closed', async function () {
      if (process.getuid!() !== 0) {
        console.log('      skipped: connecting as another user needs root (run the suite as root, as .ci/run does)');
        this.skip();
      }
      expect(await getAs(OTHER_UID, port, host.launchSecret)).to.match(/^error (ECONNRESET|EPIPE)$/);
    });
  });
});
