import { expect } from 'chai';
import { EventEmitter, KithError, type KindRegistry, type Sessions } from '@kith/sdk';
import type { SessionLink, SessionLinks } from '../../src/core/session-link.js';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { linkPair, type LinkPair } from './support/link-pair.js';

/**
 * `ctx.sessions.connect`: an extension asks for a session with a friend; the host's session links
 * open one (here: real UDP sockets attached to both engines, as the net layer would), and the
 * call resolves only once the bus handshake (capabilities) finished on that session.
 */
describe('bus: ctx.sessions.connect', function () {
  this.timeout(30_000);
  let a: TestPeer;
  let b: TestPeer;
  const pairs: LinkPair[] = [];

  beforeEach(async () => {
    a = await createTestPeer();
    b = await createTestPeer();
  });
  afterEach(async () => {
    for (const pair of pairs.splice(0)) await pair.close();
    await a.close();
    await b.close();
  });

  /** Session links for `a` that open a real link pair to `b` when asked, after `delayMs`. */
  function linksFor(delayMs = 0, fail?: Error): SessionLinks & { calls: Array<{ peer: string; timeoutMs?: number }> } {
    const opened = new EventEmitter<SessionLink>();
    const calls: Array<{ peer: string; timeoutMs?: number }> = [];
    return {
      calls,
      get all() {
        return pairs.map((p) => p.ab);
      },
      get: (peer) => pairs.find((p) => p.ab.peer === peer)?.ab,
      onDidOpen: opened.event,
      async connect(peer, options) {
        calls.push({ peer, timeoutMs: options?.timeoutMs });
        await new Promise((r) => setTimeout(r, delayMs));
        if (fail) throw fail;
        const pair = await linkPair(a, b);
        pairs.push(pair);
        opened.fire(pair.ab);
        return pair.ab;
      },
    };
  }

  const sessionsOf = (peer: TestPeer, links: () => SessionLinks | undefined) =>
    busProviders(peer.engine, links).sessions!(peer.scope('chat', ['chat.text'])) as Sessions;

  it('opens a session on demand, resolves when the bus is ready, and events flow at once', async () => {
    const links = linksFor(20);
    const sessions = sessionsOf(a, () => links);
    const got: string[] = [];
    (busProviders(b.engine, () => undefined).kinds!(b.scope('chat', ['chat.text'])) as KindRegistry).register('chat.text', (e) => {
      got.push(e.header.text as string);
    });
    expect(sessions.get(b.keys.masterPublicKey)).to.equal(undefined);
    const info = await sessions.connect(b.keys.masterPublicKey, { timeoutMs: 5_000 });
    expect(info.peer).to.equal(b.keys.masterPublicKey);
    expect(sessions.get(b.keys.masterPublicKey)?.peer).to.equal(b.keys.masterPublicKey);
    expect(links.calls).to.deep.equal([{ peer: b.keys.masterPublicKey, timeoutMs: 5_000 }]);
    const receipt = await sessions.send(b.keys.masterPublicKey, 'ab'.repeat(16), 'chat.text', { text: 'right away' });
    expect(receipt.queued).to.equal(false); // the session is live: sent, not left in the queue
    const deadline = Date.now() + 5_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(got).to.deep.equal(['right away']);
  });

  it('returns the live session without asking the net layer again', async () => {
    const links = linksFor();
    const sessions = sessionsOf(a, () => links);
    await sessions.connect(b.keys.masterPublicKey);
    await sessions.connect(b.keys.masterPublicKey);
    expect(links.calls).to.have.length(1);
  });

  it('passes a connect failure on, and says so when this host has no session links', async () => {
    const failing = sessionsOf(a, () => linksFor(0, new KithError('KITH_ERR_TIMEOUT', 'no path to the peer')));
    const error = await failing.connect(b.keys.masterPublicKey).then(() => undefined, (e: unknown) => e as KithError);
    expect(error?.code).to.equal('KITH_ERR_TIMEOUT');
    const none = sessionsOf(a, () => undefined);
    const missing = await none.connect(b.keys.masterPublicKey).then(() => undefined, (e: unknown) => e as KithError);
    expect(missing?.code).to.equal('KITH_ERR_NOT_AVAILABLE');
  });
});
