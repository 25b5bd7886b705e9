/**
 * The outbound queue holds events for friends only. A reliable send with no session to someone
 * who is not a friend could never leave: it is refused (`KITH_ERR_NOT_FOUND`) instead of sitting
 * in the queue, so a third-party extension cannot fill the disk with events for made-up keys.
 * A friend's event still waits for the next session. Real hosts (the Kith program), a
 * third-party extension in its own process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { befriend, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

describe('bus: the outbound queue takes events for friends only (real hosts)', function () {
  this.timeout(180_000);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-courier-'));
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    writeExtension(folder, 'courier', { id: 'courier', kinds: ['courier.note'], contributes: { routes: ['POST /courier/send'] } }, `
export default { activate(ctx) {
  ctx.kinds.register('courier.note', () => {});
  ctx.routes.post('/courier/send', async (req) => {
    const peer = req.body.peer;
    try {
      const receipt = await ctx.sessions.send(peer, ctx.streams.forFriend(peer, 'notes'), 'courier.note', {}, new TextEncoder().encode('hi'));
      return { queued: receipt.queued };
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  });
} };`);
    const extensions = [path.join(folder, 'courier')];
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice', extensions }), startTestHost({ name: 'Bob', extensions })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('refuses a send that would be queued for a stranger with KITH_ERR_NOT_FOUND; a friend\'s is queued for the session', async () => {
    const stranger = randomBytes(32).toString('hex');
    const refused = await alice.request<{ code?: string; message?: string }>('POST', '/courier/send', { peer: stranger });
    expect(refused.code).to.equal('KITH_ERR_NOT_FOUND');
    expect(refused.message).to.match(/not a friend/);
    // Bob is not a friend yet either.
    expect((await alice.request<{ code?: string }>('POST', '/courier/send', { peer: bob.persona!.key })).code).to.equal('KITH_ERR_NOT_FOUND');

    await befriend(alice, bob, rendezvous.url);
    expect(await alice.request('POST', '/courier/send', { peer: bob.persona!.key })).to.deep.equal({ queued: true });
  });
});
