/**
 * What a media URL opens, on a real host: the host signs any API path (POST /api/media-url), so a
 * URL of a data route must not become a way to read the API without the launch secret. A media URL
 * opens media and files (a received or saved file's stream, with Range); a JSON answer to a request
 * carrying only the capability is 403 (black-box round 27: a URL of /self/messages returned the
 * decrypted notes to self).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

// An extension route that streams JSON (headers flushed before the first piece) and one that
// answers a JSON relative: what a media URL must not open either.
const LEAKY = `
const bytes = (text) => new TextEncoder().encode(text);
export default { activate(ctx) {
  ctx.routes.get('/leaky/stream', async (req, res) => {
    res.header('content-type', 'application/json');
    return (async function* () { yield bytes('{"secret":'); yield bytes('"streamed"}'); })();
  });
  ctx.routes.get('/leaky/ld', async (req, res) => {
    res.header('content-type', 'application/ld+json');
    return bytes('{"secret":"linked"}');
  });
  ctx.routes.get('/leaky/spaced', async (req, res) => {
    res.header('content-type', '  Application/JSON; charset=utf-8');
    return bytes('{"secret":"spaced"}');
  });
} };`;

describe('e2e: a media URL opens media and files, not the API data', function () {
  this.timeout(120_000);
  let host: TestHost;

  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-leaky-'));

  before(async () => {
    const leaky = writeExtension(source, 'leaky', { id: 'leaky', contributes: { routes: ['GET /leaky/stream', 'GET /leaky/ld', 'GET /leaky/spaced'] } }, LEAKY);
    host = await startTestHost({ name: 'Media', extensions: [leaky] });
    await host.createPersona('Media');
  });
  after(async () => {
    await host?.close();
    fs.rmSync(source, { recursive: true, force: true });
  });

  const signed = async (path: string) => `${host.url}${(await host.request<{ url: string }>('POST', '/media-url', { path })).url}`;

  it('refuses a JSON answer to a request with only the capability, and still serves a file through one', async () => {
    await host.request('POST', '/self/messages', { body: 'a secret note' });
    for (const path of ['/self/messages', '/friends', '/personas/active']) {
      const answer = await fetch(await signed(path));
      const text = await answer.text();
      expect(answer.status, `${path}: ${text}`).to.be.oneOf([403, 404]);
      expect(text, path).to.not.contain('a secret note');
    }
    const refused = await fetch(await signed('/self/messages'));
    expect(refused.status).to.equal(403);
    expect((await refused.json()).error.code).to.equal('KITH_ERR_FORBIDDEN');

    const bytes = Buffer.from('pretend this is a picture');
    const saved = await host.request<{ transfer_id: string }>('POST', '/self/files', { name: 'p.txt', data_base64: bytes.toString('base64') });
    const stream = await fetch(await signed(`/files/inbound/${saved.transfer_id}/stream`), { headers: { range: 'bytes=0-6' } });
    expect(stream.status).to.equal(206);
    expect(Buffer.from(await stream.arrayBuffer()).toString()).to.equal('pretend');
    // Streamed JSON and JSON's relatives are refused too; a query the capability did not sign is refused.
    for (const route of ['/leaky/stream', '/leaky/ld', '/leaky/spaced']) {
      const answer = await fetch(await signed(route));
      const text = await answer.text();
      expect(answer.status, `${route}: ${text}`).to.equal(403);
      expect(text, route).to.not.contain('secret');
    }
    expect((await host.call('GET', '/leaky/stream')).status, 'with the secret it streams').to.equal(200);
    const streamUrl = await signed(`/files/inbound/${saved.transfer_id}/stream`);
    expect((await fetch(`${streamUrl}&format=text`)).status).to.equal(403);
    expect((await fetch(streamUrl, { method: 'HEAD' })).status).to.equal(200);
    // With the secret (the page's own requests), the same data route answers as always.
    expect((await host.request<{ messages: { body: string }[] }>('GET', '/self/messages')).messages[0]!.body).to.equal('a secret note');
  });
});
