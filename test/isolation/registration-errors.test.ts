/**
 * A registration mistake of an extension in its own process (a kind or route its manifest does
 * not declare, another extension's kind, one registered twice) throws at the call, as in the
 * host's process, so `try/catch` around it works; it used to come back later as a crash that
 * faulted the extension. In a real host (the Kith program as a child process).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

describe('isolation: registration mistakes throw where they are made', function () {
  this.timeout(120_000);
  let host: TestHost | undefined;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-registrar-'));

  after(async () => {
    await host?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('throws KITH_ERR_KIND_NOT_OWNED, KITH_ERR_BAD_REQUEST and KITH_ERR_DUPLICATE at the call; the extension runs on', async () => {
    writeExtension(folder, 'registrar', { id: 'registrar', kinds: ['registrar.ping'], contributes: { routes: ['GET /registrar/caught'] } }, `
export default { activate(ctx) {
  const caught = {};
  const attempt = (name, fn) => { try { fn(); caught[name] = 'no error'; } catch (e) { caught[name] = e.code ?? e.message; } };
  attempt('undeclaredKind', () => ctx.kinds.register('registrar.other', () => {}));
  attempt('othersKind', () => ctx.kinds.register('chat.text', () => {}));
  attempt('undeclaredRoute', () => ctx.routes.get('/registrar/hidden', () => 1));
  ctx.subscriptions.push(ctx.kinds.register('registrar.ping', () => {}));
  attempt('kindTwice', () => ctx.kinds.register('registrar.ping', () => {}));
  ctx.subscriptions.push(ctx.routes.get('/registrar/caught', () => caught));
  attempt('routeTwice', () => ctx.routes.get('/registrar/caught', () => 2));
} };`);
    // A module that throws while it is imported, as a bundle with a CommonJS require does.
    writeExtension(folder, 'importfail', { id: 'importfail' }, `
throw new Error('Dynamic require of "fs" is not supported');
export default { activate() {} };`);
    host = await startTestHost({ extensions: [path.join(folder, 'registrar'), path.join(folder, 'importfail')] });
    await host.createPersona('Rita');
    expect(await host.request('GET', '/registrar/caught')).to.deep.equal({
      undeclaredKind: 'KITH_ERR_KIND_NOT_OWNED',
      othersKind: 'KITH_ERR_KIND_NOT_OWNED',
      undeclaredRoute: 'KITH_ERR_BAD_REQUEST',
      kindTwice: 'KITH_ERR_DUPLICATE',
      routeTwice: 'KITH_ERR_DUPLICATE',
    });
    const entry = (await host.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'registrar');
    expect(entry).to.include({ running: true, faulted: false, isolation: 'process', lastCrash: null });
    expect(entry.registeredKinds).to.deep.equal(['registrar.ping']);
  });

  it('says that importing the entry module failed, with the module\'s own words', async () => {
    const entry = (await host!.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === 'importfail');
    expect(entry).to.include({ running: false, faulted: true });
    expect(entry.error.message).to.equal('Importing the entry module failed: Dynamic require of "fs" is not supported');
  });
});
