/**
 * An extension folder holding a symbolic link that leads outside it is not started: Node's
 * permission model follows links, so `lnk -> ../..` (what `cp -a` of a hostile download keeps)
 * let an extension that may read only its folder read Kith's database and list the vaults. A link
 * that stays inside (npm's `node_modules/.bin`) is fine. In a real host (the Kith program as a
 * child process), the extensions in their own process.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

describe('isolation: links out of an extension folder', function () {
  this.timeout(120_000);
  let host: TestHost | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-links-'));

  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('does not start an extension whose folder holds a link leading outside it; a link inside is fine', async () => {
    const installed = path.join(dataDir, 'extensions');
    const reader = (id: string) => `import fs from 'node:fs';
export default { activate(ctx) { ctx.routes.get('/${id}/read', () => ({ listed: fs.readdirSync(ctx.extension.root + '/lnk').length })); } };`;
    writeExtension(installed, 'linker', { id: 'linker', contributes: { routes: ['GET /linker/read'] } }, reader('linker'));
    fs.symlinkSync('../..', path.join(installed, 'linker', 'lnk')); // the data dir
    writeExtension(installed, 'inlinker', { id: 'inlinker', contributes: { routes: ['GET /inlinker/read'] } }, reader('inlinker'));
    fs.mkdirSync(path.join(installed, 'inlinker', 'real'));
    fs.symlinkSync('real', path.join(installed, 'inlinker', 'lnk'));

    host = await startTestHost({ dataDir });
    await host.createPersona('Lin');
    const entries = (await host.request<{ extensions: any[] }>('GET', '/extensions')).extensions;
    const linker = entries.find((e) => e.id === 'linker');
    expect(linker).to.include({ running: false, faulted: true });
    expect(linker.error.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(linker.error.message).to.contain('symbolic link').and.contain('"lnk"');
    expect((await host.call('GET', '/linker/read')).status).to.equal(503);
    expect(entries.find((e) => e.id === 'inlinker')).to.include({ running: true, isolation: 'process' });
    expect(await host.request('GET', '/inlinker/read')).to.deep.equal({ listed: 0 });
  });
});
