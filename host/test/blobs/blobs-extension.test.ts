/**
 * `ctx.blobs` as an extension sees it: a real extension (routes over real HTTP) on the extensions
 * harness, with a hand-driven persona gate. Covers the layout on disk, the manifest quota, errors
 * reaching the client with their status, persona separation, lock, and a full disk (a 2 MiB tmpfs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { startExtensionsHarness, type ExtensionsHarness } from '../extensions/harness/extensions-harness.js';
import { writeExtension } from '../extensions/harness/extension-fixture.js';
import { testPersona } from '../extensions/harness/test-persona.js';
import { validatePackage } from '../../src/extensions/manifest-schema.js';
import { needs } from '../../../test/support/needs.js';
import { pattern } from './blob-support.js';

const STASH = `
export default { activate(ctx) {
  globalThis.__stashBlobs = ctx.blobs;
  const range = (q) => ({ ...(q.offset ? { offset: Number(q.offset) } : {}), ...(q.length ? { length: Number(q.length) } : {}) });
  ctx.routes.post('/stash/blobs', async () => ({ id: await ctx.blobs.create() }), { body: 'none' });
  ctx.routes.get('/stash/blobs', async () => ({ blobs: await ctx.blobs.list(), usage: await ctx.blobs.usage() }));
  ctx.routes.post('/stash/blobs/:id', async (req) => ({ size: await ctx.blobs.append(req.params.id, req.body) }), { body: 'raw', limit: 4 * 1024 * 1024 });
  ctx.routes.get('/stash/blobs/:id', async (req) => ctx.blobs.read(req.params.id, range(req.query)));
  ctx.routes.get('/stash/blobs/:id/stream', async (req) => {
    const parts = [];
    for await (const piece of ctx.blobs.readStream(req.params.id, range(req.query))) parts.push(piece);
    return new Uint8Array(Buffer.concat(parts));
  });
  ctx.routes.get('/stash/blobs/:id/size', async (req) => ({ size: await ctx.blobs.size(req.params.id) }));
  ctx.routes.delete('/stash/blobs/:id', async (req) => { await ctx.blobs.delete(req.params.id); });
} };`;

const ROUTES = [
  'POST /stash/blobs', 'GET /stash/blobs', 'POST /stash/blobs/:id', 'GET /stash/blobs/:id/stream', 'GET /stash/blobs/:id/size',
  'GET /stash/blobs/:id', 'DELETE /stash/blobs/:id',
];
const QUOTA = 3_000_000; // above the 2 MiB tmpfs, so the full-disk case hits the disk first

describe('blobs: ctx.blobs through a real extension', () => {
  let h: ExtensionsHarness;
  const alice = testPersona('alice');
  const bob = testPersona('bob');

  const unlock = async (persona: typeof alice | undefined) => {
    h.gate.set(persona);
    await h.area.manager.settled();
  };
  const create = async () => (await h.json('/api/stash/blobs', { method: 'POST' })).body.id as string;
  const append = (id: string, bytes: Uint8Array) =>
    h.json(`/api/stash/blobs/${id}`, { method: 'POST', body: bytes as BodyInit, headers: { 'content-type': 'application/octet-stream' } });
  const read = async (id: string, query = '') => {
    const res = await h.fetch(`/api/stash/blobs/${id}${query}`);
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    h = await startExtensionsHarness({
      install: (dir) => writeExtension(dir, 'stash', { id: 'stash', blobQuotaBytes: QUOTA, contributes: { routes: ROUTES } }, STASH),
    });
    await unlock(alice);
  });
  after(async () => {
    await h?.close();
  });

  it('stores, reads ranges and streams, lists and deletes through the extension', async () => {
    const id = await create();
    expect((await append(id, pattern(0, 200_000))).body).to.deep.equal({ size: 200_000 });
    expect((await append(id, pattern(200_000, 1))).body).to.deep.equal({ size: 200_001 });
    const whole = await read(id);
    expect(whole.status).to.equal(200);
    expect(whole.bytes.equals(pattern(0, 200_001))).to.equal(true);
    expect((await read(id, '?offset=65530&length=20')).bytes.equals(pattern(65_530, 20))).to.equal(true);
    expect((await read(`${id}/stream`, '?offset=1000')).bytes.equals(pattern(1000, 199_001))).to.equal(true);
    const listed = (await h.json('/api/stash/blobs')).body;
    expect(listed.blobs).to.deep.equal([{ id, size: 200_001 }]);
    expect(listed.usage).to.deep.equal({ bytes: 200_001, quotaBytes: QUOTA, blobs: 1 });
    expect(fs.readdirSync(path.join(h.dataDir, 'identities', 'alice', 'blobs', 'stash')).sort()).to.deep.equal([id, `${id}.commit`]);
    expect((await h.json(`/api/stash/blobs/${id}`, { method: 'DELETE' })).status).to.equal(204);
    expect((await h.json('/api/stash/blobs')).body.blobs).to.deep.equal([]);
  });

  it('answers a read past the end, a bad id, an unknown blob and the quota with their codes', async () => {
    const id = await create();
    await append(id, pattern(0, 10));
    const past = await h.json(`/api/stash/blobs/${id}?offset=5&length=6`);
    expect(past.status).to.equal(416);
    expect(past.body.error.code).to.equal('KITH_ERR_RANGE');
    expect((await h.json('/api/stash/blobs/not-an-id')).body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    const unknown = await h.json(`/api/stash/blobs/${'ab'.repeat(16)}`);
    expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, 'KITH_ERR_BLOB_NOT_FOUND']);
    const over = await append(id, pattern(10, QUOTA));
    expect([over.status, over.body.error.code]).to.deep.equal([413, 'KITH_ERR_QUOTA']);
    expect((await h.json(`/api/stash/blobs/${id}/size`)).body.size).to.equal(10);
    expect((await h.json('/api/stash/blobs')).body.usage.bytes).to.equal(10);
  });

  it('keeps personas apart and fails the old context once the persona is locked or switched', async () => {
    const aliceBlobs = (globalThis as { __stashBlobs?: { list(): Promise<unknown> } }).__stashBlobs!;
    const aliceIds = (await h.json('/api/stash/blobs')).body.blobs.map((b: { id: string }) => b.id);
    expect(aliceIds).to.have.length(1);
    await unlock(bob);
    expect((await h.json('/api/stash/blobs')).body.blobs).to.deep.equal([]);
    expect((await h.json(`/api/stash/blobs/${aliceIds[0]}/size`)).body.error.code).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    let code: unknown;
    // The whole context is revoked once its run stops (issue #21): the member refuses before the store is reached.
    await (async () => aliceBlobs.list())().catch((error: { code?: unknown }) => (code = error.code));
    expect(code).to.equal('KITH_ERR_CONTEXT_REVOKED');
    await unlock(undefined);
    expect((await h.json('/api/stash/blobs')).status).to.equal(423);
    await unlock(alice);
    expect((await h.json('/api/stash/blobs')).body.blobs.map((b: { id: string }) => b.id)).to.deep.equal(aliceIds);
  });

  it('validates kith.blobQuotaBytes in the manifest', () => {
    const manifest = (blobQuotaBytes: unknown) => ({
      name: 'x', version: '1.0.0', kith: { id: 'stash', displayName: 'S', hostVersion: '^1.0.0', main: 'm.js', blobQuotaBytes },
    });
    expect(validatePackage(manifest(5)).manifest.blobQuotaBytes).to.equal(5);
    for (const bad of [-1, 1.5, 2 ** 41, '5']) expect(() => validatePackage(manifest(bad)), String(bad)).to.throw(/blobQuotaBytes/);
  });

  describe('on a full disk (a 2 MiB tmpfs under the persona)', () => {
    needs('tmpfs');
    const carol = testPersona('carol');
    let mount: string;

    before(async () => {
      mount = path.join(h.dataDir, 'identities', 'carol', 'blobs');
      fs.mkdirSync(mount, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mount]);
      await unlock(carol);
    });
    after(async () => {
      await unlock(alice);
      if (mount) execFileSync('umount', [mount]);
    });

    it('answers KITH_ERR_DISK_FULL, keeps what was written and keeps serving', async () => {
      const id = await create();
      const piece = 160 * 1024;
      let size = 0;
      let full: { status: number; body: any } | undefined;
      for (let i = 0; i < 40 && !full; i++) {
        const answer = await append(id, pattern(size, piece));
        if (answer.status === 200) size = answer.body.size;
        else full = answer;
      }
      expect(full, 'the disk never filled').to.not.equal(undefined);
      expect([full!.status, full!.body.error.code]).to.deep.equal([507, 'KITH_ERR_DISK_FULL']);
      expect(size).to.be.greaterThan(0);
      expect((await h.json(`/api/stash/blobs/${id}/size`)).body.size).to.equal(size);
      expect((await read(id)).bytes.equals(pattern(0, size))).to.equal(true);
      expect((await h.json('/api/extensions')).status).to.equal(200);
      const second = await create().catch(() => undefined);
      if (second) await h.json(`/api/stash/blobs/${second}`, { method: 'DELETE' });
      expect((await h.json(`/api/stash/blobs/${id}`, { method: 'DELETE' })).status).to.equal(204);
      const again = await create();
      expect((await append(again, pattern(0, piece))).body.size).to.equal(piece);
    });
  });
});
