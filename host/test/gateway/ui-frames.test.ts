import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { raw } from './raw-request.js';
import { writeExtension } from '../extensions/harness/extension-fixture.js';

/** What Chromium sends for loads from a sandboxed (opaque-origin) frame. */
const FROM_FRAME = { 'sec-fetch-site': 'cross-site' };

/** Sandboxed extension frames: one-time documents, and what an opaque-origin frame may load. */
describe('gateway: sandboxed extension frames', () => {
  let host: RunningHost;
  let dataDir: string;
  let clientDir: string;
  let own: string;
  const BOOTSTRAP = 'window.__bootstrap = "</script><b>not markup</b>";';

  const mint = async (extension = 'hello') => {
    const answer = await host.fetch('/api/ui-frames', { method: 'POST', body: JSON.stringify({ extension }), headers: { 'content-type': 'application/json' } });
    expect(answer.status).to.equal(200);
    const frame = (await answer.json()) as { url: string; proof: string; sandbox: string };
    const url = new URL(frame.url);
    return { ...frame, path: url.pathname, frameHost: url.host };
  };

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-frames-'));
    clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-frames-client-'));
    fs.writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><html><head><meta name="kith-secret" content=""></head><body></body></html>');
    fs.writeFileSync(path.join(clientDir, 'kith-frame.js'), BOOTSTRAP);
    fs.mkdirSync(path.join(clientDir, 'icons'));
    fs.writeFileSync(path.join(clientDir, 'icons/material-symbols-full.woff2'), 'wOF2 font bytes');
    fs.writeFileSync(path.join(clientDir, 'main.js'), 'console.log(1)');
    // A third-party extension whose views may use the microphone and camera (once the user allows it).
    writeExtension(path.join(dataDir, 'extensions'), 'snapper', { id: 'snapper', hostVersion: '^1.4.0', permissions: ['media.capture'] });
    host = await startHost({ config: loadConfig({}, { port: 0, dataDir }), log: createLogger('silent'), clientDir });
    own = `127.0.0.1:${host.port}`;
    const persona = { slug: 'frames', label: 'Fran', passphrase: 'frames are their own origin' };
    expect((await host.fetch('/api/ui-frames', { method: 'POST' })).status, 'locked').to.equal(423);
    expect((await host.fetch('/api/personas', { method: 'POST', body: JSON.stringify(persona), headers: { 'content-type': 'application/json' } })).status).to.be.below(300);
    const unlock = { slug: persona.slug, passphrase: persona.passphrase, set_active: true };
    expect((await host.fetch('/api/identity/unlock', { method: 'POST', body: JSON.stringify(unlock), headers: { 'content-type': 'application/json' } })).status).to.be.below(300);
  });
  after(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(clientDir, { recursive: true, force: true });
  });

  it('mints frames only for the page (the secret), each a one-time URL with its own proof, on an origin per extension', async () => {
    expect((await raw(host.port, 'POST', '/api/ui-frames', { host: own })).status).to.equal(403);
    const [a, b, other] = [await mint(), await mint(), await mint('polls')];
    expect(a.url).to.match(new RegExp(`^http://[a-f0-9]{20}\\.localhost:${host.port}/ext-frame/[A-Za-z0-9_-]{43}$`));
    expect(a.sandbox).to.equal('allow-scripts allow-same-origin allow-forms allow-downloads');
    expect(a.proof).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(a.url).to.not.equal(b.url);
    expect(a.proof).to.not.equal(b.proof);
    expect(a.frameHost, 'one origin per extension').to.equal(b.frameHost);
    expect(other.frameHost).to.not.equal(a.frameHost);
    for (const extension of [undefined, '', 'Hello', '../x', 'a'.repeat(65), 42]) {
      const answer = await host.fetch('/api/ui-frames', { method: 'POST', body: JSON.stringify({ extension }), headers: { 'content-type': 'application/json' } });
      expect(answer.status, String(extension)).to.equal(400);
    }
  });

  it('serves the frame document once: the proof, the bootstrap under a nonce, a sandboxing policy', async () => {
    const { path: url, proof, frameHost } = await mint();
    expect((await raw(host.port, 'GET', url, { host: own })).status, "not on the page's origin").to.equal(404);
    // A frame hosting a nested view loads it from its own origin: a cross-site navigation.
    const first = await raw(host.port, 'GET', url, { host: frameHost, ...FROM_FRAME, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' });
    expect(first.status).to.equal(200);
    expect(first.headers['content-type']).to.match(/^text\/html/);
    expect(first.headers['cache-control']).to.equal('no-store');
    expect(first.headers['x-frame-options'], 'the shell must be able to frame it').to.equal(undefined);
    expect(first.body).to.include(`<meta name="kith-frame-proof" content="${proof}">`);
    expect(first.body, 'no secret in a frame').to.not.include(host.launchSecret);
    const csp = String(first.headers['content-security-policy']);
    const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(csp)?.[1];
    expect(nonce).to.be.a('string');
    expect(first.body).to.include(`<script nonce="${nonce}">`);
    expect(csp).to.include('sandbox allow-scripts allow-same-origin allow-forms allow-downloads');
    expect(csp).to.include(`img-src http://${own} data: blob:`);
    expect(csp).to.include("connect-src data: blob:");
    // Framed only by the page and by other views; the hello goes to the page's origin only.
    expect(csp).to.include(`frame-ancestors http://${own} http://*.localhost:${host.port}`);
    expect(first.body).to.include(`<meta name="kith-page-origin" content="http://${own}">`);
    expect(/script-src ([^;]*)/.exec(csp)?.[1]).to.not.include('unsafe-inline');
    // The bundle cannot end the script element early.
    expect(first.body).to.include('"<\\/script><b>not markup</b>"');
    expect(first.body.match(/<\/script>/g)).to.have.length(1);

    const again = await raw(host.port, 'GET', url, { host: frameHost });
    expect(again.status, 'used once').to.equal(404);
    expect(again.body).to.not.include(proof);
  });

  it("turns capture devices off in a frame document unless its extension runs with media.capture", async () => {
    const devices = async (extension: string) => {
      const { path: url, frameHost } = await mint(extension);
      return (await raw(host.port, 'GET', url, { host: frameHost })).headers['permissions-policy'];
    };
    const OFF = 'camera=(), microphone=(), display-capture=()';
    expect(await devices('hello'), 'no such extension').to.equal(OFF);
    expect(await devices('snapper'), 'asks for it, not yet allowed (so not running)').to.equal(OFF);
    const json = { 'content-type': 'application/json' };
    expect((await host.fetch('/api/extensions/snapper', { method: 'POST', body: JSON.stringify({ enabled: true }), headers: json })).status).to.be.below(300);
    expect(await devices('snapper'), 'allowed and running').to.equal('camera=*, microphone=*, display-capture=*');
    expect(await devices('chat'), 'a built-in lists no such permission').to.equal(OFF);
    expect((await host.fetch('/api/extensions/snapper', { method: 'POST', body: JSON.stringify({ enabled: false }), headers: json })).status).to.be.below(300);
    expect(await devices('snapper'), 'off again').to.equal(OFF);
  });

  it('answers an unknown or malformed frame token 404, a foreign Host 403, and serves nothing else on a frame origin', async () => {
    expect((await raw(host.port, 'GET', `/ext-frame/${'A'.repeat(43)}`, { host: own })).status).to.equal(404);
    expect((await raw(host.port, 'GET', '/ext-frame/short', { host: own })).status).to.equal(404);
    const { path: url, frameHost } = await mint();
    const otherExtension = (await mint('polls')).frameHost;
    expect((await raw(host.port, 'GET', url, { host: 'evil.example' })).status).to.equal(403);
    expect((await raw(host.port, 'GET', url, { host: `${frameHost.split('.')[0]}.localhost:${host.port + 1}` })).status, 'another port').to.equal(403);
    expect((await raw(host.port, 'GET', url, { host: otherExtension })).status, "another extension's origin").to.equal(404);
    // On a frame's origin: no page (and so no secret), no API, no client files.
    for (const path of ['/', '/index.html', '/chats', '/main.js', '/api/health', '/api/sessions', '/ext/hello/ui.js']) {
      const answer = await raw(host.port, 'GET', path, { host: frameHost, 'x-kith-secret': host.launchSecret });
      expect(answer.status, path).to.equal(403);
      expect(answer.body).to.not.include(host.launchSecret);
    }
    expect((await raw(host.port, 'GET', url, { host: frameHost })).status, 'refusals did not spend it').to.equal(200);
  });

  it("puts none of the page's own documents in a frame (a view that navigates its frame gets nothing)", async () => {
    // A file saved to self: what a media URL opens (a JSON answer through one is refused, test/e2e/media-url-scope.test.ts).
    const saved = await host.fetch('/api/self/files', { method: 'POST', body: JSON.stringify({ name: 'clip.webm', data_base64: 'GkXfow==' }), headers: { 'content-type': 'application/json' } });
    const stream = `/files/inbound/${((await saved.json()) as { transfer_id: string }).transfer_id}/stream`;
    const { url } = (await (await host.fetch('/api/media-url', { method: 'POST', body: JSON.stringify({ path: stream }), headers: { 'content-type': 'application/json' } })).json()) as { url: string };
    for (const dest of ['iframe', 'frame', 'embed', 'object']) {
      for (const path of ['/', '/chats', '/main.js', '/icons/material-symbols-full.woff2', url]) {
        for (const site of ['same-origin', 'cross-site']) {
          const answer = await raw(host.port, 'GET', path, { host: own, 'sec-fetch-dest': dest, 'sec-fetch-mode': 'navigate', 'sec-fetch-site': site });
          expect(answer.status, `${dest} ${site} ${path}`).to.equal(403);
          expect(answer.body).to.not.include(host.launchSecret);
        }
      }
    }
    // A top-level navigation still opens the page.
    expect((await raw(host.port, 'GET', '/', { host: own, 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none' })).status).to.equal(200);
    const { path, frameHost } = await mint();
    expect((await raw(host.port, 'GET', path, { host: frameHost, 'sec-fetch-dest': 'iframe', 'sec-fetch-mode': 'navigate' })).status, 'a frame document').to.equal(200);
  });

  it('lets a frame load the icon font (with CORS, by the URL its document names) and its media URLs, nothing else cross-site', async () => {
    const { path: document, frameHost } = await mint();
    const page = await raw(host.port, 'GET', document, { host: frameHost });
    const fontUrl = /<meta name="kith-icon-font" content="([^"]+)">/.exec(page.body)?.[1];
    expect(fontUrl).to.match(/^\/icons\/material-symbols-full\.woff2\?kith_font=[A-Za-z0-9_-]{24}$/);
    const corsFromFrame = { host: own, origin: 'null', ...FROM_FRAME, 'sec-fetch-mode': 'cors' };
    const font = await raw(host.port, 'GET', fontUrl!, corsFromFrame);
    expect(font.status).to.equal(200);
    expect(font.body).to.equal('wOF2 font bytes');
    expect(font.headers['access-control-allow-origin']).to.equal('*');
    // Any other site could read the font, and so learn that Kith runs here, were it open without the capability.
    const withoutCapability = await raw(host.port, 'GET', '/icons/material-symbols-full.woff2', corsFromFrame);
    expect(withoutCapability.status).to.equal(403);
    expect(withoutCapability.headers['access-control-allow-origin']).to.equal(undefined);
    const siteOrigin = { ...corsFromFrame, origin: 'https://evil.example' };
    expect((await raw(host.port, 'GET', '/icons/material-symbols-full.woff2', siteOrigin)).status).to.equal(403);
    const forged = fontUrl!.replace(/=(.)/, (_, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    for (const url of [forged, `${fontUrl}&x=1`, `${fontUrl}${fontUrl!.slice(-1)}`, fontUrl!.replace('kith_font', 'kith_media')]) {
      expect((await raw(host.port, 'GET', url, corsFromFrame)).status, url).to.equal(403);
    }
    const ownFont = await raw(host.port, 'GET', '/icons/material-symbols-full.woff2', { host: own });
    expect(ownFont.headers['access-control-allow-origin'], 'CORS only where a frame needs it').to.equal(undefined);
    expect((await raw(host.port, 'GET', '/main.js', { host: own, ...FROM_FRAME })).status).to.equal(403);
    expect((await raw(host.port, 'GET', '/', { host: own, origin: 'null', ...FROM_FRAME, 'sec-fetch-mode': 'cors' })).status).to.equal(403);
    expect((await raw(host.port, 'GET', '/api/sessions', { host: own, origin: 'null', 'x-kith-secret': host.launchSecret })).status, 'even with the secret').to.equal(403);

    // A file saved to self: what a media URL opens (a JSON answer through one is refused, test/e2e/media-url-scope.test.ts).
    const saved = await host.fetch('/api/self/files', { method: 'POST', body: JSON.stringify({ name: 'clip.webm', data_base64: 'GkXfow==' }), headers: { 'content-type': 'application/json' } });
    const stream = `/files/inbound/${((await saved.json()) as { transfer_id: string }).transfer_id}/stream`;
    const { url } = (await (await host.fetch('/api/media-url', { method: 'POST', body: JSON.stringify({ path: stream }), headers: { 'content-type': 'application/json' } })).json()) as { url: string };
    const media = await raw(host.port, 'GET', url, { host: own, ...FROM_FRAME, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'video' });
    expect(media.status).to.equal(200);
    expect(media.headers['access-control-allow-origin'], 'a frame plays it, never reads it').to.equal(undefined);
    expect((await raw(host.port, 'GET', url.replace('/stream', '/other'), { host: own, ...FROM_FRAME })).status, 'the token opens its own path only').to.equal(403);
    expect((await raw(host.port, 'POST', url, { host: own, ...FROM_FRAME })).status).to.equal(403);
  });
});
