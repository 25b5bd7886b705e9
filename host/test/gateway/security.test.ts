import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { raw, type RawAnswer } from './raw-request.js';

/** A raw WebSocket upgrade of session `sid`: '101' when switched, else the status, or 'closed' when the socket closed unanswered. */
function upgradeOutcome(port: number, sid: string, headers: Record<string, string>, path = `/api/ws/?EIO=4&transport=websocket&sid=${sid}`): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path, setHost: false,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve('101');
    });
    req.on('response', (res) => resolve(String(res.statusCode)));
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || /socket hang up/.test(error.message) ? resolve('closed') : reject(error)));
    req.end();
  });
}

function errorCode(answer: RawAnswer): string | undefined {
  return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
}

function socketOutcome(url: string, options: Parameters<typeof connectSocket>[1]): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket: Socket = connectSocket(url, { path: '/api/ws', reconnection: false, forceNew: true, timeout: 5000, ...options });
    socket.on('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.on('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

describe('gateway: local API security', () => {
  let host: RunningHost;
  let dataDir: string;
  let clientDir: string;
  let own: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-sec-'));
    clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-sec-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><html><head><meta name="kith-secret" content=""></head><body></body></html>');
    fs.writeFileSync(path.join(clientDir, 'main.js'), 'console.log(1)');
    host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent'), clientDir });
    own = `127.0.0.1:${host.port}`;
  });
  after(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(clientDir, { recursive: true, force: true });
  });

  describe('HTTP API', () => {
    it('accepts a request with the secret and our own Host (reaches the lock gate)', async () => {
      const answer = await raw(host.port, 'GET', '/api/sessions', { host: own, 'x-kith-secret': host.launchSecret });
      expect(answer.status).to.equal(423);
    });

    it('also accepts localhost:<port> as Host', async () => {
      const answer = await raw(host.port, 'GET', '/api/sessions', { host: `localhost:${host.port}`, 'x-kith-secret': host.launchSecret });
      expect(answer.status).to.equal(423);
    });

    it('refuses a request without the secret with 403 KITH_ERR_FORBIDDEN as JSON', async () => {
      const answer = await raw(host.port, 'GET', '/api/sessions', { host: own });
      expect(answer.status).to.equal(403);
      expect(answer.headers['content-type']).to.match(/application\/json/);
      expect(errorCode(answer)).to.equal('KITH_ERR_FORBIDDEN');
    });

    it('refuses a wrong secret, including one that differs only in its last character or length', async () => {
      const s = host.launchSecret;
      const wrong = [s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A'), s + 'x', s.slice(0, -1), 'x'.repeat(300)];
      for (const candidate of wrong) {
        const answer = await raw(host.port, 'GET', '/api/sessions', { host: own, 'x-kith-secret': candidate });
        expect(answer.status, candidate).to.equal(403);
      }
    });

    it('refuses a foreign Host header even with the right secret (DNS rebinding)', async () => {
      for (const foreign of [`evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, '127.0.0.1', `localhost.evil.example:${host.port}`]) {
        const answer = await raw(host.port, 'GET', '/api/sessions', { host: foreign, 'x-kith-secret': host.launchSecret });
        expect(answer.status, foreign).to.equal(403);
        expect(errorCode(answer)).to.equal('KITH_ERR_FORBIDDEN');
      }
    });

    it('refuses a request with no Host header at all', async () => {
      // Node's HTTP parser already answers 400 for HTTP/1.1 without Host; either way it is refused.
      const answer = await raw(host.port, 'GET', '/api/health', {});
      expect(answer.status).to.be.oneOf([400, 403]);
    });

    it('refuses a foreign or null Origin, also on writes, even with the secret', async () => {
      for (const origin of [`http://127.0.0.1:${host.port + 1}`, 'http://evil.example', 'null', `https://${own}`]) {
        const answer = await raw(host.port, 'POST', '/api/identity/lock', {
          host: own, origin, 'x-kith-secret': host.launchSecret, 'content-type': 'application/json',
        }, '{}');
        expect(answer.status, origin).to.equal(403);
      }
    });

    it('accepts our own Origin', async () => {
      const answer = await raw(host.port, 'GET', '/api/sessions', { host: own, origin: `http://${own}`, 'x-kith-secret': host.launchSecret });
      expect(answer.status).to.equal(423);
    });

    it('refuses cross-site subresource requests by fetch metadata', async () => {
      const answer = await raw(host.port, 'GET', '/api/sessions', {
        host: own, 'x-kith-secret': host.launchSecret, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors',
      });
      expect(answer.status).to.equal(403);
    });

    it('leaves GET /api/health open without the secret (it reveals only liveness and the two versions)', async () => {
      const answer = await raw(host.port, 'GET', '/api/health', { host: own });
      expect(answer.status).to.equal(200);
      expect(JSON.parse(answer.body)).to.have.keys(['status', 'version', 'api']);
    });

    it('never sends CORS headers, also not to a preflight', async () => {
      const preflight = await raw(host.port, 'OPTIONS', '/api/health', {
        host: own, origin: 'http://evil.example', 'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-kith-secret',
      });
      const ok = await raw(host.port, 'GET', '/api/health', { host: own });
      for (const answer of [preflight, ok]) {
        expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).to.deep.equal([]);
      }
      expect(preflight.status).to.equal(403);
    });
  });

  describe('the page', () => {
    it('serves index.html with the launch secret only to our own Host', async () => {
      // Also by the paths the router does not take for /index.html but a file server decodes to it.
      for (const pagePath of ['/', '/chats', '/index.html', '/x/..%2Findex.html', '/%69ndex.html', '/index%2Ehtml', '/INDEX.HTML']) {
        const answer = await raw(host.port, 'GET', pagePath, { host: own });
        expect(answer.status, pagePath).to.equal(200);
        expect(answer.body).to.contain(`<meta name="kith-secret" content="${host.launchSecret}">`);
        expect(answer.headers['cache-control']).to.equal('no-store');
        expect(answer.headers['content-security-policy']).to.contain("script-src 'self'").and.contain("frame-ancestors 'none'");
        expect(answer.headers['cross-origin-opener-policy']).to.equal('same-origin');
      }
      const rebound = await raw(host.port, 'GET', '/', { host: `attacker.example:${host.port}` });
      expect(rebound.status).to.equal(403);
      expect(rebound.body).not.to.contain(host.launchSecret);
    });

    it('refuses static files to a foreign Host too', async () => {
      expect((await raw(host.port, 'GET', '/main.js', { host: own })).status).to.equal(200);
      expect((await raw(host.port, 'GET', '/main.js', { host: `attacker.example:${host.port}` })).status).to.equal(403);
    });

    it('lets a top-level navigation from another site open the page (it cannot read it)', async () => {
      const answer = await raw(host.port, 'GET', '/chats', { host: own, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' });
      expect(answer.status).to.equal(200);
    });
  });

  describe('socket.io handshake', () => {
    const secretHeader = () => ({ 'x-kith-secret': host.launchSecret });

    it('connects with the secret header from our own origin', async () => {
      expect(await socketOutcome(host.url, { extraHeaders: secretHeader() })).to.equal('connected');
    });

    it('refuses a missing or wrong secret', async () => {
      expect(await socketOutcome(host.url, {})).to.not.equal('connected');
      expect(await socketOutcome(host.url, { extraHeaders: { 'x-kith-secret': 'nope' } })).to.not.equal('connected');
      expect(await socketOutcome(host.url, { auth: { secret: 'nope' } })).to.not.equal('connected');
    });

    it('refuses a foreign Origin or Host even with the secret', async () => {
      const foreignOrigin = await socketOutcome(host.url, {
        transports: ['polling'], extraHeaders: { ...secretHeader(), origin: 'http://evil.example' },
      });
      expect(foreignOrigin).to.not.equal('connected');
      const answer = await raw(host.port, 'GET', '/api/ws/?EIO=4&transport=polling', { host: `evil.example:${host.port}`, ...secretHeader() });
      expect(answer.status).to.equal(403);
      const ok = await raw(host.port, 'GET', '/api/ws/?EIO=4&transport=polling', { host: own, ...secretHeader() });
      expect(ok.status).to.equal(200);
    });

    it('checks Host and Origin on every request of a session, not only its handshake', async () => {
      const handshake = await raw(host.port, 'GET', '/api/ws/?EIO=4&transport=polling', { host: own, ...secretHeader() });
      const sid = (JSON.parse(handshake.body.slice(1)) as { sid: string }).sid;
      const poll = `/api/ws/?EIO=4&transport=polling&sid=${sid}`;
      // A request naming the live session id from a rebound name or another origin is refused...
      expect((await raw(host.port, 'POST', poll, { host: `evil.example:${host.port}`, 'content-type': 'text/plain' }, '40')).status).to.equal(403);
      expect((await raw(host.port, 'POST', poll, { host: own, origin: 'https://evil.example', 'content-type': 'text/plain' }, '40')).status).to.equal(403);
      expect((await raw(host.port, 'GET', poll, { host: own, 'sec-fetch-site': 'cross-site' })).status).to.equal(403);
      // ...and the WebSocket upgrade too (the socket is closed before any handshake answer).
      expect(await upgradeOutcome(host.port, sid, { host: `evil.example:${host.port}` })).to.equal('closed');
      // The session itself is intact for its own page.
      const ok = await raw(host.port, 'POST', poll, { host: own, 'content-type': 'text/plain' }, '40');
      expect([ok.status, ok.body]).to.deep.equal([200, 'ok']);
    });

    it('takes a plain WebSocket at /api/ws under the same rules, and answers one anywhere else with a 400 saying where the streams are', async () => {
      for (const path of ['/api/ws', '/api/ws?x=1']) {
        expect(await upgradeOutcome(host.port, '', { host: own, ...secretHeader() }, path), path).to.equal('101');
        expect(await upgradeOutcome(host.port, '', { host: own }, path), path).to.equal('403');
        expect(await upgradeOutcome(host.port, '', { host: 'evil.example', ...secretHeader() }, path), path).to.equal('403');
      }
      for (const path of ['/somewhere', '/api/wsx', '/api']) {
        expect(await upgradeOutcome(host.port, '', { host: own, ...secretHeader() }, path), path).to.equal('400');
      }
    });
  });
});
