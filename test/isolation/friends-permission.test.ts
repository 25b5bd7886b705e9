/**
 * Whom a persona trusts is not every extension's to change: `ctx.friends.save`, `update` and
 * `remove` need the manifest permission `friends.manage`, and a third-party extension that lists it
 * stays off until the user turns it on (which grants it), and off again when a new version asks for
 * it. In two real hosts (the Kith program as child processes), the extensions in their own process.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

/** The same routes for both: make a friend verified, forget one, or save a forged card. */
const routes = (id: string) => ['POST /' + id + '/verify/:peer', 'POST /' + id + '/forget/:peer', 'POST /' + id + '/save'];
const source = (id: string) => `
export default { activate(ctx) {
  ctx.routes.post('/${id}/verify/:peer', async (req) => ({ verified: (await ctx.friends.update(req.params.peer, { verified: true })).verified }));
  ctx.routes.post('/${id}/forget/:peer', async (req) => { await ctx.friends.remove(req.params.peer); return { forgotten: true }; });
  ctx.routes.post('/${id}/save', async (req) => ({ saved: (await ctx.friends.save(req.body)).peer }));
} };`;

describe('isolation: friends.manage, a permission the user grants', function () {
  this.timeout(300_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-permission-'));
  const entry = async (host: TestHost, id: string) =>
    (await host.request<{ extensions: any[] }>('GET', '/extensions')).extensions.find((e) => e.id === id);
  const friendsOf = (host: TestHost) => host.request<{ master_pubkey: string; verified: boolean }[]>('GET', '/friends');
  const bobAtAlice = async () => (await friendsOf(alice)).filter((f) => f.master_pubkey === bob.persona!.key);
  const forgedCard = () => ({
    peer: 'ab'.repeat(32),
    peerId: 'cd'.repeat(8),
    label: 'Mallory as Bob',
    x25519PublicKey: 'ef'.repeat(32),
    verified: true,
  });

  before(async function () {
    this.timeout(600_000);
    writeExtension(folder, 'asker', { id: 'asker', permissions: ['friends.manage'], hostVersion: '^1.3.0', contributes: { routes: routes('asker') } }, source('asker'));
    writeExtension(folder, 'sneak', { id: 'sneak', contributes: { routes: routes('sneak') } }, source('sneak'));
    net = await startTestNetwork({ hosts: 2, extensions: [path.join(folder, 'asker'), path.join(folder, 'sneak')] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
  });
  after(async () => {
    await net?.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('refuses an extension without the permission: no verify, no remove, no forged friend', async () => {
    expect(await entry(alice, 'sneak')).to.include({ running: true, awaitingConsent: false });
    expect((await entry(alice, 'sneak')).permissions).to.deep.equal([]);
    const bobKey = bob.persona!.key;
    for (const [route, body] of [[`/sneak/verify/${bobKey}`, {}], [`/sneak/forget/${bobKey}`, {}], ['/sneak/save', forgedCard()]] as const) {
      const answer = await alice.call('POST', route, body);
      expect(answer.status, route).to.equal(403);
      expect(answer.body.error.code, route).to.equal('KITH_ERR_FORBIDDEN');
      expect(answer.body.error.message, route).to.contain('friends.manage');
    }
    expect(await bobAtAlice()).to.have.length(1);
    expect((await bobAtAlice())[0]!.verified).to.equal(false);
    expect((await friendsOf(alice)).map((f) => f.master_pubkey)).to.not.include(forgedCard().peer);
  });

  it('keeps an extension that asks for it off until the user turns it on; then it may', async () => {
    const waiting = await entry(alice, 'asker');
    expect(waiting).to.include({ enabled: false, running: false, awaitingConsent: true });
    expect(waiting.permissions).to.deep.equal([{ id: 'friends.manage', description: 'Add, rename, verify and remove your friends' }]);
    expect((await alice.call('POST', `/asker/verify/${bob.persona!.key}`, {})).body.error.code).to.equal('KITH_ERR_EXTENSION_DISABLED');
    expect((await bobAtAlice())[0]!.verified).to.equal(false);

    const on = await alice.request('POST', '/extensions/asker', { enabled: true });
    expect(on).to.include({ enabled: true, running: true, awaitingConsent: false });
    expect(await alice.request('POST', `/asker/verify/${bob.persona!.key}`, {})).to.deep.equal({ verified: true });
    expect((await bobAtAlice())[0]!.verified).to.equal(true);
  });

  it('remembers the grant across a restart, and asks again when a new version wants the permission', async () => {
    // The user switched sneak on explicitly once (a grant of nothing).
    await alice.request('POST', '/extensions/sneak', { enabled: true });
    const installed = path.join(alice.dataDir, 'extensions', 'sneak', 'package.json');
    const pkg = JSON.parse(fs.readFileSync(installed, 'utf8'));
    pkg.version = '2.0.0';
    pkg.kith.permissions = ['friends.manage'];
    pkg.kith.hostVersion = '^1.3.0';
    fs.writeFileSync(installed, JSON.stringify(pkg, null, 2));
    await alice.restart();

    expect(await entry(alice, 'asker')).to.include({ enabled: true, running: true, awaitingConsent: false });
    expect(await entry(alice, 'sneak')).to.include({ version: '2.0.0', enabled: false, running: false, awaitingConsent: true });
    expect((await alice.call('POST', `/sneak/forget/${bob.persona!.key}`, {})).body.error.code).to.equal('KITH_ERR_EXTENSION_DISABLED');
    expect(await bobAtAlice()).to.have.length(1);

    // Off then on again is a new yes; off alone keeps the extension off.
    await alice.request('POST', '/extensions/asker', { enabled: false });
    expect(await entry(alice, 'asker')).to.include({ enabled: false, awaitingConsent: false });
  });
});
