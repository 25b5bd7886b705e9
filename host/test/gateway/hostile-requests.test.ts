/**
 * Hostile requests against a real host: a path that does not decode, an engine.io handshake
 * without the launch secret, a declared 10 GB body. Each is answered at once, as JSON or with
 * no session, and gives away nothing (no stack, no install path, no session id, no body read).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { io as connectSocket } from 'socket.io-client';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../src/host.js';

interface RawExchange {
  /** Everything the server sent. */
  readonly text: string;
  /** Milliseconds until the server closed the connection (undefined: still open at the deadline). */
  readonly closedAfterMs: number | undefined;
}

/** Write `head` on a raw TCP connection and collect what comes back until close or `waitMs`. */
function exchange(port: number, head: string, waitMs = 3000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closedAfterMs: closed ? performance.now() - started : undefined });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => finish(true));
    socket.on('error', (error) => (done ? undefined : reject(error)));
  });
}

describe('gateway: hostile requests against a real host', function () {
  this.timeout(30_000);
  let host: RunningHost;
  let dataDir: string;
  let port: number;
  let hostHeader: string;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hostile-'));
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
      log: createLogger('silent'),
      extensions: { builtinDir: DEFAULT_BUILTIN_DIR },
    });
    port = Number(new URL(host.url).port);
    hostHeader = `127.0.0.1:${port}`;
  });
  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /ext/chat/% (and other undecodable paths) answer a JSON KITH_ERR_* error, no stack, no path', async () => {
    for (const target of ['/ext/chat/%', '/ext/chat/%E0%A4%A', '/ext/%/x', '/api/%', '/%']) {
      const res = await fetch(`${host.url}${target}`, { headers: { 'x-kith-secret': host.launchSecret } });
      const text = await res.text();
      expect(res.status, `${target}: ${text}`).to.be.within(400, 499);
      expect(res.headers.get('content-type'), target).to.match(/^application\/json/);
      expect(JSON.parse(text).error.code, target).to.match(/^KITH_ERR_/);
      for (const leak of [process.cwd(), path.dirname(DEFAULT_BUILTIN_DIR), dataDir, 'node_modules', ' at ']) {
        expect(text, `${target} leaks ${leak}`).to.not.include(leak);
      }
    }
  });

  it('a JSON route given a body of another type says the type is the problem (a plain curl -d sends a form type)', async () => {
    for (const [route, type] of [['/api/personas', 'application/x-www-form-urlencoded'], ['/api/identity/unlock', 'text/plain;charset=UTF-8']] as const) {
      const res = await fetch(`${host.url}${route}`, {
        method: 'POST', headers: { 'x-kith-secret': host.launchSecret, 'content-type': type }, body: JSON.stringify({ slug: 'x', passphrase: 'y' }),
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, route).to.equal(400);
      expect(body.error.message, route).to.contain('Content-Type: application/json').and.to.contain(type.split(';')[0]);
    }
  });

  it('a JSON body nested too deep, or not in UTF-8, is refused with 400 before it is parsed', async () => {
    const post = (body: string | Blob, type = 'application/json') =>
      fetch(`${host.url}/api/personas`, { method: 'POST', headers: { 'x-kith-secret': host.launchSecret, 'content-type': type }, body });
    const deep = await post(`{"label":"x","passphrase":"y","more":${'['.repeat(65)}${']'.repeat(65)}}`);
    expect(deep.status).to.equal(400);
    expect(((await deep.json()) as { error: { message: string } }).error.message).to.equal('The JSON body nests deeper than 64 levels');
    const wide = await post(new Blob([Buffer.from(JSON.stringify({ label: 'x', passphrase: 'y' }), 'utf16le')]), 'application/json; charset=utf-16le');
    expect(wide.status).to.equal(400);
    expect(((await wide.json()) as { error: { message: string } }).error.message).to.equal('JSON bodies are UTF-8 (this one came as utf-16le)');
  });

  it('an unknown path outside /api is a JSON 404 too (no Express HTML page)', async () => {
    const res = await fetch(`${host.url}/no/such/thing`);
    expect(res.status).to.equal(404);
    expect((await res.json()).error.code).to.equal('KITH_ERR_NOT_FOUND');
  });

  it('an engine.io polling handshake without the secret gets no session id; with it, it does', async () => {
    const handshake = (headers: Record<string, string>) =>
      exchange(port, `GET /api/ws/?EIO=4&transport=polling HTTP/1.1\r\nHost: ${hostHeader}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);
    const wrong: Array<Record<string, string>> = [{}, { 'x-kith-secret': 'nope' }, { 'x-kith-secret': `${host.launchSecret.slice(0, -1)}x` }];
    for (const headers of wrong) {
      const answer = await handshake(headers);
      expect(answer.text, JSON.stringify(headers)).to.match(/^HTTP\/1\.1 4\d\d/);
      expect(answer.text).to.not.include('sid');
    }
    const allowed = await handshake({ 'x-kith-secret': host.launchSecret });
    expect(allowed.text).to.match(/^HTTP\/1\.1 200/);
    expect(allowed.text).to.include('"sid"');
  });

  it('a socket.io client with the secret header connects; one with only auth.secret does not', async () => {
    const outcome = (options: Parameters<typeof connectSocket>[1]) =>
      new Promise<string>((resolve) => {
        const socket = connectSocket(host.url, { path: '/api/ws', reconnection: false, forceNew: true, timeout: 5000, ...options });
        socket.on('connect', () => (socket.close(), resolve('connected')));
        socket.on('connect_error', (error) => (socket.close(), resolve(error.message)));
      });
    expect(await outcome({ extraHeaders: { 'x-kith-secret': host.launchSecret } })).to.equal('connected');
    expect(await outcome({ extraHeaders: { 'x-kith-secret': host.launchSecret }, transports: ['websocket'] })).to.equal('connected');
    expect(await outcome({ auth: { secret: host.launchSecret } })).to.not.equal('connected');
    // What the page sees with a stale secret after a host restart (it then reloads for the new one).
    const stale = await new Promise<unknown>((resolve) => {
      const socket = connectSocket(host.url, { path: '/api/ws', reconnection: false, forceNew: true, transports: ['polling', 'websocket'], extraHeaders: { 'x-kith-secret': 'stale' } });
      socket.on('connect_error', (error) => (socket.close(), resolve((error as { description?: unknown }).description)));
    });
    expect(stale).to.equal(403);
  });

  it('a declared 10 GB Content-Length is refused with 413 at once and the connection closed, body unread', async () => {
    const huge = 10 * 1024 * 1024 * 1024;
    for (const [method, route] of [
      ['POST', '/api/personas'], ['GET', '/api/health'], ['POST', '/api/identity/lock'], ['PUT', '/ext/chat/x'],
      ['POST', '/api/ws/?EIO=4&transport=polling'], ['POST', '/api/ws/?EIO=4&transport=polling&sid=abc'],
    ]) {
      const answer = await exchange(
        port,
        `${method} ${route} HTTP/1.1\r\nHost: ${hostHeader}\r\nx-kith-secret: ${host.launchSecret}\r\nContent-Type: application/json\r\nContent-Length: ${huge}\r\n\r\n{"a":`,
      );
      expect(answer.text, `${method} ${route}`).to.match(/^HTTP\/1\.1 413/);
      expect(answer.text).to.include('KITH_ERR_PAYLOAD_TOO_LARGE');
      expect(answer.closedAfterMs, `${method} ${route}: the server kept reading`).to.be.a('number').and.lessThan(1000);
    }
  });
});
