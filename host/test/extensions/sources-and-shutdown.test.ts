import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { ExtensionContext } from '@kith/sdk';
import { startExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

describe('extensions: sources and shutdown', () => {
  it('runs built-ins from a static list (the packaged executable) beside built-in and user folders', async () => {
    const builtinDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-builtins-'));
    writeExtension(builtinDir, 'folder-one', { id: 'folder-one', contributes: { routes: ['GET /folder-one'] } }, `
export default { activate(ctx) { ctx.routes.get('/folder-one', () => ({ from: 'folder' })); } };`);
    const h = await startExtensionsHarness({
      sources: {
        builtinDir,
        builtins: [
          {
            root: '/snapshot/extensions/packed',
            packageJson: { name: 'packed', version: '2.0.0', kith: { id: 'packed', displayName: 'Packed', hostVersion: '^1.0.0', main: 'x.js', contributes: { routes: ['GET /packed'] } } },
            load: async () => ({ default: { activate: (ctx: ExtensionContext) => void ctx.routes.get('/packed', () => ({ from: 'static list' })) } }),
          },
        ],
      },
      install: (userDir) => writeExtension(userDir, 'mine', { id: 'mine' }),
    });
    try {
      h.gate.set(testPersona('carol'));
      await h.area.manager.settled();
      expect((await h.json('/api/packed')).body).to.deep.equal({ from: 'static list' });
      expect((await h.json('/api/folder-one')).body).to.deep.equal({ from: 'folder' });
      const list = (await h.json('/api/extensions')).body.extensions.map((e: any) => `${e.id}:${e.builtin}:${e.running}`);
      expect(list).to.deep.equal(['packed:true:true', 'folder-one:true:true', 'mine:false:true']);
    } finally {
      await h.close();
      fs.rmSync(builtinDir, { recursive: true, force: true });
    }
  });

  it('faults a user extension that reuses a built-in id, and one whose entry module is missing', async () => {
    const h = await startExtensionsHarness({
      sources: {
        builtins: [
          {
            root: '/b/same',
            packageJson: { name: 'same', version: '1.0.0', kith: { id: 'same', displayName: 'S', hostVersion: '^1', main: 'm.js', contributes: { routes: ['GET /same/a', 'GET /same/b'] } } },
            load: async () => ({ activate: (ctx: ExtensionContext) => void ctx.routes.get('/same/a', () => ({ from: 'builtin' })) }),
          },
        ],
      },
      install: (userDir) => {
        writeExtension(userDir, 'same', { id: 'same', contributes: { routes: ['GET /same/a', 'GET /same/b'] } });
        writeExtension(userDir, 'unbuilt', { id: 'unbuilt', main: 'dist/extension.js' });
      },
    });
    try {
      h.gate.set(testPersona('dave'));
      await h.area.manager.settled();
      const list = (await h.json('/api/extensions')).body.extensions;
      // The second "same" is listed under a distinct id so the page can show why it does not run.
      const copy = list.find((e: any) => e.id.startsWith('same@'));
      expect(copy.error.code).to.equal('KITH_ERR_DUPLICATE');
      // The copy's routes are not mounted: the owner's answer, and its unregistered one is a plain 404.
      expect((await h.json('/api/same/a')).body).to.deep.equal({ from: 'builtin' });
      expect((await h.json('/api/same/b')).body.error.code).to.equal('KITH_ERR_NOT_FOUND');
      const unbuilt = list.find((e: any) => e.id === 'unbuilt');
      expect(unbuilt).to.include({ faulted: true, running: false });
      expect(unbuilt.error.message).to.contain('dist/extension.js').and.contain('build the extension first');
    } finally {
      await h.close();
    }
  });

  it('deactivates every running extension when the host stops', async () => {
    const h = await startExtensionsHarness({
      install: (userDir) =>
        writeExtension(userDir, 'closer', { id: 'closer' }, `
export default { activate() { globalThis.__closerRuns = (globalThis.__closerRuns ?? 0) + 1; }, deactivate() { globalThis.__closerStops = (globalThis.__closerStops ?? 0) + 1; } };`),
    });
    const g = globalThis as { __closerRuns?: number; __closerStops?: number };
    const stopsBefore = g.__closerStops ?? 0;
    h.gate.set(testPersona('erin'));
    await h.area.manager.settled();
    expect(g.__closerRuns).to.be.greaterThan(0);
    await h.close();
    expect(g.__closerStops).to.equal(stopsBefore + 1);
  });
});
