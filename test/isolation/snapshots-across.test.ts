/**
 * The synchronous members an extension in its own process reads from copies the host keeps
 * current (snapshots.ts): `sessions.all`/`get` follow a session opening and closing, and
 * `friends.ownX25519PublicKeyFor` answers for a friend saved after the extension started, with
 * the key the host itself derives. Two real Kith hosts, paired through a real rendezvous.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { writeExtension } from '../../host/test/extensions/harness/extension-fixture.js';

describe('isolation: snapshot members of an extension in its own process follow the host', function () {
  this.timeout(180_000);
  let work: string;
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const look = (peer: string) => alice.request<{ all: string[]; one: string | null; own: string | { code: string } }>('GET', `/mirror/look/${peer}`);
  const until = async <T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await probe();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-snapshots-'));
    const root = writeExtension(work, 'mirror', { id: 'mirror', contributes: { routes: ['GET /mirror/look/:peer'] } }, `
export default { activate(ctx) {
  ctx.routes.get('/mirror/look/:peer', (req) => {
    let own;
    try { own = ctx.friends.ownX25519PublicKeyFor(req.params.peer); } catch (e) { own = { code: e.code }; }
    return { all: ctx.sessions.all.map((s) => s.peer), one: ctx.sessions.get(req.params.peer)?.peer ?? null, own };
  });
} };`);
    net = await startTestNetwork({ hosts: 2, extensions: [root] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
  });
  after(async () => {
    await net?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('answers for a friend saved after it started, and sees a session open and close', async () => {
    const bobKey = bob.persona!.key;
    expect(await look(bobKey)).to.deep.include({ all: [], one: null, own: { code: 'KITH_ERR_NOT_AVAILABLE' } });
    await net.befriend(alice, bob);
    const befriended = await until(() => look(bobKey), (v) => typeof v.own === 'string', 'the friend\'s key copy');
    const friends = await bob.request<{ master_pubkey: string; friend_x25519_pubkey: string }[]>('GET', '/friends');
    // What Bob saved as Alice's key towards him is what Alice's extension reads from its copy.
    expect(befriended.own).to.equal(friends.find((f) => f.master_pubkey === alice.persona!.key)?.friend_x25519_pubkey);
    await net.connect(alice, bob);
    await until(() => look(bobKey), (v) => v.all.includes(bobKey) && v.one === bobKey, 'the session in the copy');
    await alice.request('DELETE', `/sessions/${bobKey}`);
    await until(() => look(bobKey), (v) => !v.all.includes(bobKey) && v.one === null, 'the closed session gone from the copy');
  });
});
