import { expect } from 'chai';
import { eventually as waitFor } from '@kith/sdk/testing';
import type { Launched } from '../../tools/demo/launch.js';
import { ensurePackage, makeSandbox, startPackaged, type Sandbox } from '../../tools/package/sandbox.js';
import { packagedApi, type ApiClient } from './packaged-api.js';

interface Peer {
  readonly name: string;
  readonly app: Launched;
  readonly api: ApiClient;
  readonly masterPublicKey: string;
}

/**
 * Two copies of the executable, each in its own empty folder with no node on PATH, plus a third
 * running `--server`: pair by code, connect through the rendezvous, chat both ways, all through
 * the HTTP API the page uses (authenticated with the secret read from the page).
 */
describe('package: a chat between two packaged apps through a packaged rendezvous', function () {
  this.timeout(180_000);
  const sandboxes: Sandbox[] = [];
  const running: Launched[] = [];
  let rendezvousUrl: string;
  let alice: Peer;
  let bob: Peer;

  async function startPeer(name: string): Promise<Peer> {
    const sandbox = makeSandbox();
    sandboxes.push(sandbox);
    const app = await startPackaged(sandbox, [], { KITH_PORT: '0' });
    running.push(app);
    const api = await packagedApi(app.url);
    const created = await api.ok('POST', '/personas', { label: name, passphrase: `${name} passphrase for the package test` });
    const personas = await api.ok('GET', '/personas');
    const list: any[] = Array.isArray(personas) ? personas : personas.personas;
    const mine = list.find((p) => p.slug === created.slug);
    return { name, app, api, masterPublicKey: mine.master_pubkey };
  }

  before(async function () {
    this.timeout(600_000);
    ensurePackage();
    const server = makeSandbox();
    sandboxes.push(server);
    if (!server.manifest.client) this.skip(); // the secret comes from the page; `npm run package` warned there is no client
    const rendezvous = await startPackaged(server, ['--server'], { KITH_PORT: '0', KITH_HOST: '127.0.0.1' });
    running.push(rendezvous);
    rendezvousUrl = rendezvous.url;
    [alice, bob] = await Promise.all([startPeer('Alice'), startPeer('Bob')]);
  });

  after(async () => {
    await Promise.allSettled(running.map((p) => p.stop()));
    for (const s of sandboxes) s.remove();
  });

  it('pairs by code', async () => {
    const { code } = await alice.api.ok('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: 'Bob' });
    await bob.api.ok('POST', '/pair/start', { rendezvous_url: rendezvousUrl, label: 'Alice', code });
    const [a, b] = await Promise.all([
      alice.api.ok('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: 'Bob' }),
      bob.api.ok('POST', '/pair/wait', { rendezvous_url: rendezvousUrl, code, label: 'Alice' }),
    ]);
    expect(a.friend.master_pubkey).to.equal(bob.masterPublicKey);
    expect(b.friend.master_pubkey).to.equal(alice.masterPublicKey);
    expect(a.safety_code).to.equal(b.safety_code);
  });

  it('connects through the rendezvous and chats both ways', async () => {
    const word = `package-${Math.random().toString(36).slice(2)}`;
    for (const peer of [alice, bob]) await peer.api.ok('POST', '/rendezvous/join', { url: rendezvousUrl, word, mode: 'manual' });
    const request = alice.api.ok('POST', '/connect/request', { rendezvous_url: rendezvousUrl, word, peer: bob.masterPublicKey });
    request.catch(() => undefined);
    const inbound = await waitFor('the connect request at Bob', async () => {
      const poll = await bob.api.ok('POST', '/rendezvous/poll', { url: rendezvousUrl, word, mode: 'manual' });
      return (poll.requests as any[]).find((r) => r.from_master_pubkey === alice.masterPublicKey);
    });
    const accept = bob.api.ok('POST', '/connect/accept', {
      rendezvous_url: rendezvousUrl,
      word,
      nonce: inbound.nonce,
      peer: alice.masterPublicKey,
      from_ipv4: inbound.from_ipv4 ?? null,
      from_ipv6: inbound.from_ipv6 ?? null,
      punch_at_ms: inbound.punch_at_ms,
    });
    await Promise.all([request, accept]);
    await waitFor('a live session on both sides', async () => {
      const [a, b] = await Promise.all([alice.api.ok('GET', '/sessions'), bob.api.ok('GET', '/sessions')]);
      return a.sessions.some((s: any) => s.peer === bob.masterPublicKey) && b.sessions.some((s: any) => s.peer === alice.masterPublicKey);
    });

    const history = async (peer: Peer, friend: Peer) =>
      (await peer.api.ok('GET', `/friends/${friend.masterPublicKey}/messages?limit=50`)).messages as any[];
    const sent = await alice.api.ok('POST', `/sessions/${bob.masterPublicKey}/messages`, { body: 'hello from a packaged Alice' });
    const atBob = await waitFor('the message at Bob', async () => (await history(bob, alice)).find((m) => m.id === sent.id));
    expect(atBob.body).to.equal('hello from a packaged Alice');
    expect(atBob.from_me).to.equal(false);

    const reply = await bob.api.ok('POST', `/sessions/${alice.masterPublicKey}/messages`, { body: 'hello back, from Bob' });
    const atAlice = await waitFor('the reply at Alice', async () => (await history(alice, bob)).find((m) => m.id === reply.id));
    expect(atAlice.body).to.equal('hello back, from Bob');
    await waitFor('delivered tick at Alice', async () => (await history(alice, bob)).find((m) => m.id === sent.id)?.state === 'delivered' || undefined);
  });
});
