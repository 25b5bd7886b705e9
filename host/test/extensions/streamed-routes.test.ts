/**
 * Streamed HTTP for extension routes, through the public SDK on a real host over real HTTP: a
 * `body: 'stream'` upload of 200 MB into `ctx.blobs` with bounded memory, its limit (declared and
 * chunked), a client that goes away mid-upload, and the blob served back with `serveRanged`
 * (206 single and multipart, suffix, open-ended, 416, malformed Range, If-Range, HEAD), plus
 * streamed answers that stop when the client goes away.
 */
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

const SDK = pathToFileURL(path.resolve('sdk/src/index.ts')).href;
const MB = 1024 * 1024;
const UPLOAD_LIMIT = 256 * MB;

const MEDIA = `
import { serveRanged } from ${JSON.stringify(SDK)};
const seen = (globalThis.__media = { endlessReturned: false, pulled: 0, uploadError: null, smallCaught: null, noLimit: null });
export default { activate(ctx) {
  try { ctx.routes.post('/media/nolimit', () => undefined, { body: 'stream' }); } catch (e) { seen.noLimit = e.message; }
  ctx.subscriptions.push(
    ctx.routes.post('/media/blobs', async (req) => {
      const id = await ctx.blobs.create();
      try {
        return { id, size: await ctx.blobs.append(id, req.body) };
      } catch (e) {
        seen.uploadError = e.code ?? String(e);
        await ctx.blobs.delete(id); // an upload is all or nothing
        throw e;
      }
    }, { body: 'stream', limit: ${UPLOAD_LIMIT} }),
    ctx.routes.post('/media/small', async (req) => {
      let bytes = 0;
      try { for await (const piece of req.body) bytes += piece.length; } catch (e) { seen.smallCaught = e.code; return { swallowed: true }; }
      return { bytes };
    }, { body: 'stream', limit: 1000 }),
    ctx.routes.get('/media/blobs', async () => ctx.blobs.list()),
    ctx.routes.get('/media/blobs/:id', async (req, res) => {
      const id = req.params.id;
      const size = await ctx.blobs.size(id);
      return serveRanged(req, res, {
        size, contentType: 'video/webm', etag: '"' + id + '-' + size + '"',
        read: (offset, length) => ctx.blobs.readStream(id, { offset, length }),
      });
    }),
    ctx.routes.get('/media/endless', (req, res) => {
      res.header('content-type', 'text/plain');
      return { [Symbol.asyncIterator]() {
        return {
          next: async () => { seen.pulled += 64 * 1024; return { done: false, value: new Uint8Array(64 * 1024).fill(120) }; },
          return: async () => { seen.endlessReturned = true; return { done: true, value: undefined }; },
        };
      } };
    }),
    ctx.routes.get('/media/short', (req, res) => { res.length(10); return (async function* () { yield new Uint8Array(5); })(); }),
    ctx.routes.get('/media/long', (req, res) => { res.length(3); return (async function* () { yield new Uint8Array(2); yield new Uint8Array(2); })(); }),
    ctx.routes.get('/media/missing', () => ctx.blobs.readStream('0'.repeat(32))),
  );
} };`;

const ROUTES = [
  'POST /media/blobs', 'POST /media/small', 'POST /media/nolimit', 'GET /media/blobs', 'GET /media/blobs/:id',
  'GET /media/endless', 'GET /media/short', 'GET /media/long', 'GET /media/missing',
];

/** Byte `i` of every test upload, so any range can be checked without keeping the upload. */
const byteAt = (i: number) => (i * 7 + (i >>> 13)) & 255;
function patterned(offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = byteAt(offset + i);
  return out;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('extensions: streamed route bodies and ranged answers (through @kith/sdk)', function () {
  this.timeout(120_000);
  let h: ExtensionsHarness;
  let secret: string;
  const media = () => (globalThis as unknown as { __media: Record<string, unknown> }).__media;

  /** A request through node:http, so the test controls the body and the socket. */
  const raw = (method: string, p: string, headers: Record<string, string | number> = {}) =>
    http.request(`${h.url}${p}`, { method, headers: { 'x-kith-secret': secret, ...headers } });
  const answer = (req: http.ClientRequest) =>
    new Promise<RawAnswer>((resolve, reject) => {
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });

  /** Upload `total` patterned bytes with their Content-Length (as a browser does), pushed only as the host takes them. */
  async function upload(total: number, onProgress?: () => void): Promise<RawAnswer> {
    const req = raw('POST', '/api/media/blobs', { 'content-type': 'application/octet-stream', 'content-length': total });
    const done = answer(req);
    const piece = 256 * 1024;
    for (let sent = 0; sent < total; sent += piece) {
      if (!req.write(patterned(sent, Math.min(piece, total - sent)))) await new Promise((r) => req.once('drain', r));
      onProgress?.();
    }
    req.end();
    return done;
  }

  const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => {
    const req = raw(method, p, headers);
    req.end();
    return answer(req);
  };

  before(async () => {
    h = await startExtensionsHarness({
      install: (dir) => writeExtension(dir, 'media', { id: 'media', contributes: { routes: ROUTES } }, MEDIA),
    });
    secret = (h.kernel as unknown as { launchSecret: string }).launchSecret;
    h.gate.set(testPersona('alice'));
    await h.area.manager.settled();
  });
  after(async () => {
    await h?.close();
  });

  it('refuses a streamed body route without a limit', () => {
    expect(media().noLimit).to.match(/needs RouteOptions\.limit/);
  });

  describe('a 200 MB upload into ctx.blobs, served back in ranges', () => {
    const SIZE = 200 * MB;
    let id: string;

    before(async function () {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
      const timer = setInterval(sample, 20);
      const started = Date.now();
      const res = await upload(SIZE, sample);
      clearInterval(timer);
      expect(res.status, res.body.toString()).to.equal(200);
      ({ id } = JSON.parse(res.body.toString()));
      expect(JSON.parse(res.body.toString()).size).to.equal(SIZE);
      const growth = (peak - before) / MB;
      console.log(`      200 MB streamed upload: ${Date.now() - started} ms, host RSS growth ${growth.toFixed(1)} MB`);
      // Client and host share this process: both stay far below the upload's size.
      expect(growth).to.be.below(64);
    });

    it('serves the whole blob with 200, Accept-Ranges and the exact length when there is no Range', async () => {
      const res = await get(`/api/media/blobs/${id}`);
      expect(res.status).to.equal(200);
      expect(res.headers['accept-ranges']).to.equal('bytes');
      expect(res.headers['content-length']).to.equal(String(SIZE));
      expect(res.headers['content-type']).to.equal('video/webm');
      expect(res.body.length).to.equal(SIZE);
      for (const at of [0, 1234567, SIZE - 100]) expect(res.body.subarray(at, at + 100).equals(Buffer.from(patterned(at, 100))), `at ${at}`).to.equal(true);
    });

    it('answers a single range with 206, Content-Range and only those bytes', async () => {
      const res = await get(`/api/media/blobs/${id}`, { range: 'bytes=100000000-100999999' });
      expect(res.status).to.equal(206);
      expect(res.headers['content-range']).to.equal(`bytes 100000000-100999999/${SIZE}`);
      expect(res.headers['content-length']).to.equal('1000000');
      expect(res.body.equals(Buffer.from(patterned(100000000, 1000000)))).to.equal(true);
    });

    it('answers suffix and open-ended ranges (what a <video> asks when it seeks)', async () => {
      const suffix = await get(`/api/media/blobs/${id}`, { range: 'bytes=-500' });
      expect(suffix.status).to.equal(206);
      expect(suffix.headers['content-range']).to.equal(`bytes ${SIZE - 500}-${SIZE - 1}/${SIZE}`);
      expect(suffix.body.equals(Buffer.from(patterned(SIZE - 500, 500)))).to.equal(true);
      const open = await get(`/api/media/blobs/${id}`, { range: `bytes=${SIZE - 3000}-` });
      expect(open.status).to.equal(206);
      expect(open.headers['content-range']).to.equal(`bytes ${SIZE - 3000}-${SIZE - 1}/${SIZE}`);
      expect(open.body.equals(Buffer.from(patterned(SIZE - 3000, 3000)))).to.equal(true);
      const clamped = await get(`/api/media/blobs/${id}`, { range: `bytes=${SIZE - 2}-${SIZE + 1000}` });
      expect(clamped.headers['content-range']).to.equal(`bytes ${SIZE - 2}-${SIZE - 1}/${SIZE}`);
    });

    it('answers several ranges as multipart/byteranges', async () => {
      const res = await get(`/api/media/blobs/${id}`, { range: 'bytes=0-9, 5000000-5000009, -10' });
      expect(res.status).to.equal(206);
      const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(res.headers['content-type']!)![1]!;
      expect(res.headers['content-length']).to.equal(String(res.body.length));
      const parts = res.body.toString('latin1').split(`--${boundary}`);
      expect(parts.at(-1)).to.equal('--\r\n');
      const ranges = parts.slice(1, -1).map((part) => {
        const [head, data] = part.split('\r\n\r\n') as [string, string];
        const [, start, end] = /Content-Range: bytes (\d+)-(\d+)\/209715200/.exec(head)!;
        expect(head).to.contain('Content-Type: video/webm');
        const bytes = Buffer.from(data.replace(/\r\n$/, ''), 'latin1');
        expect(bytes.equals(Buffer.from(patterned(Number(start), Number(end) - Number(start) + 1)))).to.equal(true);
        return [Number(start), Number(end)];
      });
      expect(ranges).to.deep.equal([[0, 9], [5000000, 5000009], [SIZE - 10, SIZE - 1]]);
    });

    it('answers 416 with Content-Range bytes */size for a range past the end', async () => {
      for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 5}-${SIZE + 10}`, 'bytes=-0']) {
        const res = await get(`/api/media/blobs/${id}`, { range });
        expect(res.status, range).to.equal(416);
        expect(res.headers['content-range'], range).to.equal(`bytes */${SIZE}`);
        expect(res.body.length).to.equal(0);
      }
    });

    it('ignores a malformed Range (and a stale If-Range): 200 with the whole blob', async () => {
      const ignored: Array<Record<string, string>> = [{ range: 'bytes=5-1' }, { range: 'bytes=abc' }, { range: 'pages=1-2' }, { range: 'bytes=0-1', 'if-range': '"stale"' }];
      for (const headers of ignored) {
        // The status and length tell it all; the client hangs up rather than take 200 MB again.
        const req = raw('GET', `/api/media/blobs/${id}`, headers);
        req.on('error', () => undefined);
        req.end();
        const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
        req.destroy();
        expect(res.statusCode, JSON.stringify(headers)).to.equal(200);
        expect(res.headers['content-length']).to.equal(String(SIZE));
        expect(res.headers['content-range']).to.equal(undefined);
      }
      const current = await get(`/api/media/blobs/${id}`, { range: 'bytes=0-1', 'if-range': `"${id}-${SIZE}"` });
      expect(current.status).to.equal(206);
    });

    it('answers HEAD with the headers of the GET and no body', async () => {
      const res = await get(`/api/media/blobs/${id}`, { range: 'bytes=10-19' }, 'HEAD');
      expect(res.status).to.equal(206);
      expect(res.headers['content-length']).to.equal('10');
      expect(res.headers['content-range']).to.equal(`bytes 10-19/${SIZE}`);
      expect(res.body.length).to.equal(0);
    });
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    for (const [route, length] of [['/api/media/small', 5000], ['/api/media/blobs', UPLOAD_LIMIT + 1], ['/api/media/blobs', 10 * 1024 * MB]] as const) {
      const req = raw('POST', route, { 'content-type': 'application/octet-stream', 'content-length': length });
      req.flushHeaders(); // headers only: the answer must come without a byte of the body
      const res = await answer(req);
      expect(res.status, `${route} ${length}`).to.equal(413);
      expect(JSON.parse(res.body.toString()).error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
      expect(res.headers.connection).to.equal('close');
      req.destroy();
    }
    expect(media().smallCaught).to.equal(null); // the handler never ran
    expect(media().uploadError).to.equal(null);
  });

  it('keeps the front door at 64 MiB for a route that does not stream its body', async () => {
    const req = raw('GET', '/api/media/blobs', { 'content-length': 65 * MB });
    req.flushHeaders();
    const res = await answer(req);
    req.destroy();
    expect(res.status).to.equal(413);
    expect(JSON.parse(res.body.toString()).error.message).to.contain(String(64 * MB));
  });

  it('refuses a chunked body once it passes the limit, even when the handler swallows the error', async () => {
    const req = raw('POST', '/api/media/small', { 'content-type': 'application/octet-stream' });
    const res = answer(req);
    req.write(new Uint8Array(600));
    req.write(new Uint8Array(600));
    const { status, body } = await res;
    req.destroy();
    expect(status).to.equal(413);
    expect(JSON.parse(body.toString()).error.code).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    expect(media().smallCaught).to.equal('KITH_ERR_PAYLOAD_TOO_LARGE');
    const within = raw('POST', '/api/media/small', { 'content-type': 'application/octet-stream' });
    const ok = answer(within);
    within.end(new Uint8Array(1000));
    expect(JSON.parse((await ok).body.toString())).to.deep.equal({ bytes: 1000 });
  });

  it('makes the body throw when the client goes away mid-upload (the handler rolls the blob back)', async () => {
    const blobsBefore = JSON.parse((await get('/api/media/blobs')).body.toString()).length;
    const req = raw('POST', '/api/media/blobs', { 'content-type': 'application/octet-stream' });
    req.on('error', () => undefined);
    for (let sent = 0; sent < 20 * MB; sent += MB) {
      if (!req.write(patterned(sent, MB))) await new Promise((r) => req.once('drain', r));
    }
    req.destroy();
    for (let i = 0; i < 200 && media().uploadError === null; i++) await new Promise((r) => setTimeout(r, 25));
    expect(media().uploadError).to.equal('KITH_ERR_BAD_REQUEST');
    for (let i = 0; i < 40; i++) {
      if (JSON.parse((await get('/api/media/blobs')).body.toString()).length === blobsBefore) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(JSON.parse((await get('/api/media/blobs')).body.toString())).to.have.length(blobsBefore);
  });

  it('stops a streamed answer (return() on its iterator) when the client goes away', async () => {
    const req = raw('GET', '/api/media/endless');
    req.on('error', () => undefined);
    req.end();
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/plain');
    let received = 0;
    await new Promise<void>((resolve) => res.on('data', (part: Buffer) => (received += part.length) > 4 * MB && resolve()));
    req.destroy();
    for (let i = 0; i < 200 && !media().endlessReturned; i++) await new Promise((r) => setTimeout(r, 10));
    expect(media().endlessReturned).to.equal(true);
  });

  it('pulls a streamed answer only as fast as the client reads it', async () => {
    media().endlessReturned = false;
    media().pulled = 0;
    const req = raw('GET', '/api/media/endless');
    req.on('error', () => undefined);
    req.end();
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    res.pause(); // the client stops reading: only socket buffers may fill
    await new Promise((r) => setTimeout(r, 500));
    const afterPause = media().pulled as number;
    await new Promise((r) => setTimeout(r, 300));
    const later = media().pulled as number;
    console.log(`      paused client: host pulled ${(afterPause / MB).toFixed(1)} MB, then ${((later - afterPause) / MB).toFixed(1)} MB more`);
    expect(afterPause).to.be.below(32 * MB);
    expect(later).to.equal(afterPause);
    req.destroy();
    for (let i = 0; i < 200 && !media().endlessReturned; i++) await new Promise((r) => setTimeout(r, 10));
    expect(media().endlessReturned).to.equal(true);
  });

  it('answers a stream that fails before its first piece with a clean error', async () => {
    const res = await get('/api/media/missing');
    expect(res.status).to.equal(404);
    expect(JSON.parse(res.body.toString()).error.code).to.equal('KITH_ERR_BLOB_NOT_FOUND');
  });

  it('cuts a stream shorter or longer than its declared length, so the client sees an error', async () => {
    for (const route of ['/api/media/short', '/api/media/long']) {
      const req = raw('GET', route);
      req.end();
      const outcome = await new Promise<string>((resolve) => {
        req.on('error', (e) => resolve(`request error ${e.message}`));
        req.on('response', (res) => {
          res.on('error', (e) => resolve(`response error ${e.message}`));
          res.on('end', () => resolve('complete'));
          res.resume();
        });
      });
      expect(outcome, route).to.match(/error/);
    }
  });
});
