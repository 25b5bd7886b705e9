/**
 * The executable and `KITH_EXTENSION_ISOLATION=in-process`: its embedded script cannot import an
 * extension's module into its own process ("A dynamic import callback was not specified" faulted
 * every third-party extension, even the starter), so it keeps each in its own process and runs it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';
import { ensurePackage, makeSandbox, type Sandbox } from '../../tools/package/sandbox.js';

describe('package: KITH_EXTENSION_ISOLATION=in-process in the executable', function () {
  this.timeout(180_000);
  let sandbox: Sandbox;
  let host: TestHost | undefined;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-in-process-env-'));

  before(function () {
    this.timeout(600_000);
    ensurePackage();
    sandbox = makeSandbox();
  });
  after(async () => {
    await host?.close();
    sandbox?.remove();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('runs a third-party extension anyway, in its own process', async () => {
    writeExtension(folder, 'plain', { id: 'plain', contributes: { routes: ['GET /plain/hi'] } }, `
export default { activate(ctx) { ctx.routes.get('/plain/hi', () => ({ hi: ctx.persona.label })); } };`);
    host = await startTestHost({ command: [sandbox.executable], extensions: [path.join(folder, 'plain')], env: { KITH_EXTENSION_ISOLATION: 'in-process' } });
    await host.createPersona('Ines');
    const entry = (await host.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'plain');
    expect(entry, JSON.stringify(entry)).to.include({ running: true, faulted: false, isolation: 'process' });
    expect(await host.request('GET', '/plain/hi')).to.deep.equal({ hi: 'Ines' });
  });
});
