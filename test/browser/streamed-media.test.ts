/**
 * A real Chromium `<audio>` element plays and seeks in a blob a route serves with `serveRanged`:
 * the media stack's own Range requests (open-ended, then from the seek point) get 206 answers it
 * accepts. The audio is a generated 5-minute WAV (53 MB), uploaded through a `body: 'stream'` route.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { startExtensionsHarness, type ExtensionsHarness } from '../../host/test/extensions/harness/extensions-harness.js';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';
import { testPersona } from '../../host/test/extensions/harness/test-persona.js';
import { needs } from '../support/needs.js';
import { chromiumPath } from '../support/system-parts.js';
import { CHROMIUM_ARGS } from './harness.js';

const SDK = pathToFileURL(path.resolve('sdk/src/index.ts')).href;
const RATE = 44_100;
/** 16-bit stereo: 176 400 bytes a second, 53 MB in all, far more than Chromium fetches ahead. */
const BYTES_PER_SECOND = RATE * 4;
const SECONDS = 300;

const PLAYER = `
import { serveRanged } from ${JSON.stringify(SDK)};
const seen = (globalThis.__player = { ranges: [] });
export default { activate(ctx) {
  ctx.subscriptions.push(
    ctx.routes.post('/player/tracks', async (req) => {
      const id = await ctx.blobs.create();
      return { id, size: await ctx.blobs.append(id, req.body) };
    }, { body: 'stream', limit: 64 * 1024 * 1024 }),
    ctx.routes.get('/player/tracks/:id', async (req, res) => {
      seen.ranges.push(req.headers.range ?? null);
      const size = await ctx.blobs.size(req.params.id);
      return serveRanged(req, res, { size, contentType: 'audio/wav', read: (offset, length) => ctx.blobs.readStream(req.params.id, { offset, length }) });
    }),
  );
} };`;

/** A 16-bit stereo PCM WAV: a 44-byte header, then the samples (a quiet sawtooth). */
function wav(seconds: number): Uint8Array {
  const data = seconds * BYTES_PER_SECOND;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(2, 22); // stereo
  out.writeUInt32LE(RATE, 24);
  out.writeUInt32LE(BYTES_PER_SECOND, 28);
  out.writeUInt16LE(4, 32); // bytes per frame
  out.writeUInt16LE(16, 34);
  out.write('data', 36);
  out.writeUInt32LE(data, 40);
  for (let i = 0; i < data / 2; i++) out.writeInt16LE(((i % 200) - 100) * 10, 44 + i * 2);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

describe('extensions: a Chromium <audio> element seeks in a blob served with serveRanged', function () {
  needs('chromium');
  this.timeout(60_000);
  let h: ExtensionsHarness;
  let browser: Browser;
  const player = () => (globalThis as unknown as { __player: { ranges: Array<string | null> } }).__player;

  before(async () => {
    h = await startExtensionsHarness({
      install: (dir) => writeExtension(dir, 'player', { id: 'player', contributes: { routes: ['POST /player/tracks', 'GET /player/tracks/:id'] } }, PLAYER),
    });
    h.gate.set(testPersona('alice'));
    await h.area.manager.settled();
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('loads the duration, seeks to 4:00 with a Range request from there, and plays from it', async () => {
    const upload = await h.json('/api/player/tracks', { method: 'POST', body: wav(SECONDS) as BodyInit, headers: { 'content-type': 'audio/wav' } });
    expect(upload.status).to.equal(200);
    const secret = (h.kernel as unknown as { launchSecret: string }).launchSecret;
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-kith-secret': secret } });
    const page = await context.newPage();
    await page.goto(`${h.url}/api/health`);
    player().ranges.length = 0;
    // A string, not a function: tsx would wrap the inner functions in a helper the page lacks.
    const outcome = (await page.evaluate(`(async (src) => {
      const audio = document.createElement('audio');
      audio.preload = 'metadata';
      audio.muted = true;
      const once = (name) => new Promise((resolve, reject) => {
        audio.addEventListener(name, () => resolve(), { once: true });
        audio.addEventListener('error', () => reject(new Error('media error ' + audio.error?.code + ': ' + audio.error?.message)), { once: true });
      });
      audio.src = src;
      await once('loadedmetadata');
      const duration = audio.duration;
      audio.currentTime = 240;
      await once('seeked');
      await audio.play().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      return { duration, currentTime: audio.currentTime, readyState: audio.readyState };
    })(${JSON.stringify(`/api/player/tracks/${upload.body.id}`)})`)) as { duration: number; currentTime: number; readyState: number };
    await context.close();
    console.log(`      <audio>: ${JSON.stringify(outcome)}, Range requests: ${JSON.stringify(player().ranges)}`);
    expect(outcome.duration).to.be.closeTo(SECONDS, 1);
    expect(outcome.currentTime).to.be.within(240, 250);
    const starts = player().ranges.map((range) => Number(/^bytes=(\d+)-/.exec(range ?? '')?.[1] ?? -1));
    expect(starts[0]).to.equal(0); // the first request asks for everything, open-ended
    const fromSeek = starts.filter((start) => start >= 44 + 230 * BYTES_PER_SECOND && start <= 44 + 241 * BYTES_PER_SECOND);
    expect(fromSeek, 'a request from the seek point').to.have.length.above(0);
  });

  it('plays from a media URL in a page that sends no secret header; the URL opens only its own path, for GET', async () => {
    const upload = await h.json('/api/player/tracks', { method: 'POST', body: wav(20) as BodyInit, headers: { 'content-type': 'audio/wav' } });
    expect(upload.status).to.equal(200);
    const path = `/player/tracks/${upload.body.id}`;
    const minted = await h.json('/api/media-url', { method: 'POST', body: JSON.stringify({ path }), headers: { 'content-type': 'application/json' } });
    expect(minted.status).to.equal(200);
    const url = minted.body.url as string;
    expect(url.startsWith(`/api${path}?kith_media=`)).to.equal(true);

    // Without the header, the bare path is refused and the media URL plays (with its own Range requests).
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/api/health`);
    // The same token on another path, and a token with its last MAC characters changed.
    const other = url.replace(upload.body.id as string, '0'.repeat(32));
    const tampered = url.slice(0, -2) + (url.endsWith('AA') ? 'BB' : 'AA');
    const statuses = (await page.evaluate(`(async (bare, url, other, tampered) => {
      const status = async (u, init) => (await fetch(u, init)).status;
      const audio = document.createElement('audio');
      audio.preload = 'metadata';
      audio.src = url;
      await new Promise((resolve, reject) => {
        audio.addEventListener('loadedmetadata', () => resolve(), { once: true });
        audio.addEventListener('error', () => reject(new Error('media error ' + audio.error?.code)), { once: true });
      });
      return {
        duration: audio.duration,
        bare: await status(bare),
        url: await status(url, { headers: { range: 'bytes=0-99' } }),
        otherPath: await status(other),
        tampered: await status(tampered),
        post: await status(url, { method: 'POST' }),
      };
    })(${[`/api${path}`, url, other, tampered].map((each) => JSON.stringify(each)).join(', ')})`)) as Record<string, number>;
    await context.close();
    expect(statuses.duration).to.be.closeTo(20, 1);
    expect(statuses.bare).to.equal(403);
    expect(statuses.url).to.equal(206);
    expect(statuses.otherPath).to.equal(403);
    expect(statuses.tampered).to.equal(403);
    expect(statuses.post).to.equal(403);
  });
});
