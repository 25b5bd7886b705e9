/**
 * The route API as plain data over real HTTP: a handler sees a `RouteRequest` (method, path,
 * params, query, headers without the launch secret, a JSON value or raw bytes) and shapes its
 * answer through `RouteResponse` (status, headers, bytes); framing and security headers are
 * refused. Proposed API is fenced: `ctx.proposed.hostInfo` throws unless the manifest enables it,
 * and a manifest naming an unknown proposal cannot run.
 */
import { expect } from 'chai';
import { SDK_API_VERSION } from '@kith/sdk';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

const ROUTES = ['GET /echo/req/:name', 'POST /echo/raw', 'POST /echo/created', 'GET /echo/bytes', 'GET /echo/bad-header', 'GET /echo/proposed'];

function install(dir: string): void {
  const handlers = `
export default {
  activate(ctx) {
    const info = () => { try { return ctx.proposed.hostInfo; } catch (e) { return { code: e.code }; } };
    ctx.subscriptions.push(
      ctx.routes.get('/echo/req/:name', (req) => ({
        method: req.method, path: req.path, params: req.params, query: req.query,
        secret: req.headers['x-kith-secret'] ?? null, custom: req.headers['x-custom'] ?? null,
        frozen: Object.isFrozen(req) && Object.isFrozen(req.query),
      })),
      ctx.routes.post('/echo/raw', (req) => ({ plain: req.body.constructor === Uint8Array, bytes: [...req.body] }), { body: 'raw', limit: 64 }),
      ctx.routes.post('/echo/created', (req, res) => { res.status(201).header('x-echo', 'yes'); return { got: req.body }; }),
      ctx.routes.get('/echo/bytes', (req, res) => { res.header('content-type', 'image/png'); return new Uint8Array([1, 2, 3]); }),
      ctx.routes.get('/echo/bad-header', (req, res) => { res.header('set-cookie', 'a=b'); return 'unreachable'; }),
      ctx.routes.get('/echo/proposed', () => info()),
    );
  },
};`;
  writeExtension(dir, 'echo', { id: 'echo', displayName: 'Echo', enabledApiProposals: ['hostInfo'], contributes: { routes: ROUTES } }, handlers);
  writeExtension(dir, 'plain', { id: 'plain', displayName: 'Plain', contributes: { routes: ['GET /plain/proposed'] } }, `
export default { activate(ctx) { ctx.routes.get('/plain/proposed', () => { try { return ctx.proposed.hostInfo; } catch (e) { return { code: e.code, message: e.message }; } }); } };`);
  writeExtension(dir, 'future', { id: 'future', displayName: 'Future', enabledApiProposals: ['timeTravel'] });
}

describe('extensions: the route API is plain data; proposed API is fenced', () => {
  let h: ExtensionsHarness;

  before(async () => {
    h = await startExtensionsHarness({ install });
    h.gate.set(testPersona('alice'));
    await h.area.manager.settled();
  });
  after(async () => {
    await h?.close();
  });

  it('sends every extension answer with nosniff and a sandboxing policy the extension cannot lift', async () => {
    const res = await h.fetch('/api/echo/bytes');
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(res.headers.get('content-security-policy')).to.match(/^sandbox; default-src 'none'/);
  });

  it('hands the handler method, path, params, repeated query values and headers without the launch secret', async () => {
    const { status, body } = await h.json('/api/echo/req/b%C3%A4r?one=1&many=a&many=b&kith_media=x', { headers: { 'x-custom': 'hi' } });
    expect(status).to.equal(200);
    expect(body).to.deep.equal({
      method: 'GET',
      path: '/echo/req/b%C3%A4r',
      params: { name: 'bär' },
      query: { one: '1', many: ['a', 'b'] },
      secret: null,
      custom: 'hi',
      frozen: true,
    });
  });

  it('gives a raw body as a plain Uint8Array, within its limit', async () => {
    const ok = await h.json('/api/echo/raw', { method: 'POST', body: new Uint8Array([7, 8, 9]), headers: { 'content-type': 'application/octet-stream' } });
    expect(ok.body).to.deep.equal({ plain: true, bytes: [7, 8, 9] });
    const big = await h.json('/api/echo/raw', { method: 'POST', body: new Uint8Array(65), headers: { 'content-type': 'application/octet-stream' } });
    expect(big.status).to.equal(413);
    expect(big.body.error).to.deep.include({ code: 'KITH_ERR_PAYLOAD_TOO_LARGE', message: 'This route takes a body of at most 64 bytes' });
  });

  it('answers with the status and headers set through the response, and bytes as bytes', async () => {
    const res = await h.fetch('/api/echo/created', { method: 'POST', body: JSON.stringify({ a: 1 }) });
    expect(res.status).to.equal(201);
    expect(res.headers.get('x-echo')).to.equal('yes');
    expect(await res.json()).to.deep.equal({ got: { a: 1 } });
    const bytes = await h.fetch('/api/echo/bytes');
    expect(bytes.headers.get('content-type')).to.equal('image/png');
    expect([...new Uint8Array(await bytes.arrayBuffer())]).to.deep.equal([1, 2, 3]);
  });

  it('refuses framing and security headers with a clean error that blames the extension, not the client', async () => {
    const { status, body } = await h.json('/api/echo/bad-header');
    expect(status).to.equal(500);
    expect(body.error.code).to.equal('KITH_ERR_INTERNAL');
    expect(body.error.message).to.contain('set-cookie');
  });

  it('opens ctx.proposed.hostInfo only to an extension that enabled it', async () => {
    expect((await h.json('/api/echo/proposed')).body).to.deep.include({ apiVersion: SDK_API_VERSION, proposals: ['hostInfo'] });
    const refused = (await h.json('/api/plain/proposed')).body;
    expect(refused.code).to.equal('KITH_ERR_PROPOSAL_NOT_ENABLED');
    expect(refused.message).to.contain('enabledApiProposals');
  });

  it('does not run an extension that names a proposal this host does not offer', async () => {
    const future = (await h.json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === 'future');
    expect(future).to.include({ running: false });
    expect(future.error.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(future.error.message).to.contain('enabledApiProposals.0');
  });
});
