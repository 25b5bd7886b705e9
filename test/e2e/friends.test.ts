/**
 * Friends beyond the first conversation, two real hosts and a rendezvous on loopback: pairing by
 * invite token, just-in-time connect for a friend with auto-connect off, live updates to the page
 * (message, typing, delivery), and removing a friend on both sides.
 */
import { expect } from 'chai';
import type { RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { waitFor } from './support/api-client.js';
import { connectPeers, joinRoom } from './support/connect-peers.js';
import { E2ePeer } from './support/e2e-peer.js';
import { PageSocket } from './support/page-socket.js';
import { startLoopbackRendezvous } from './support/rendezvous.js';

describe('e2e: invites, just-in-time and auto connect, live page events, removing a friend', function () {
  this.timeout(180_000);
  let rendezvous: RunningRendezvous;
  let alice: E2ePeer;
  let bob: E2ePeer;
  const pages: PageSocket[] = [];
  const word = `friends-${Math.random().toString(36).slice(2)}`;

  before(async () => {
    rendezvous = await startLoopbackRendezvous();
    [alice, bob] = await Promise.all([E2ePeer.start('Alice'), E2ePeer.start('Bob')]);
  });

  after(async () => {
    for (const page of pages) page.close();
    await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
    await rendezvous?.close();
  });

  const friendOf = async (peer: E2ePeer, other: E2ePeer) =>
    ((await peer.api.ok('GET', '/friends')) as any[]).find((f) => f.master_pubkey === other.keys.masterPublicKey);

  it('adds a friend with an invite token (text or QR)', async () => {
    const invite = await alice.api.ok('POST', '/pair/invite', { rendezvous_url: rendezvous.url });
    expect(invite.token).to.match(/^kith-invite:v1:/);
    expect(invite.qr_svg).to.match(/^<svg/);
    const [a, b] = await Promise.all([
      alice.api.ok('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: invite.code, label: 'Bob' }),
      bob.api.ok('POST', '/pair/redeem', { token: invite.token }),
    ]);
    expect(a.friend.master_pubkey).to.equal(bob.keys.masterPublicKey);
    expect(b.friend.master_pubkey).to.equal(alice.keys.masterPublicKey);
    expect(b.friend.label).to.equal('Alice'); // the inviter's own label, carried in the token
    expect(a.safety_code).to.equal(b.safety_code);
  });

  it('connects just in time when a message waits for a friend with auto-connect off', async () => {
    const bobAtAlice = await friendOf(alice, bob);
    await alice.api.ok('POST', `/friends/${bobAtAlice.id}`, { auto_connect: false });
    expect((await friendOf(alice, bob)).auto_connect).to.equal(false);
    await joinRoom(alice, rendezvous.url, word);
    await joinRoom(bob, rendezvous.url, word);
    // Alice sees Bob in the room (his sealed announcement), but no session is open.
    await waitFor('Bob in the room at Alice', async () => {
      const poll = await alice.api.ok('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.peers as any[]).some((p) => p.master_pubkey === bob.keys.masterPublicKey);
    });
    expect((await alice.api.ok('GET', '/sessions')).sessions).to.deep.equal([]);

    const message = await alice.api.ok('POST', `/sessions/${bob.keys.masterPublicKey}/messages`, { body: 'are you there?' });
    expect(message.state).to.equal('queued');
    // The chat extension asked for the session; Bob's page accepts the request like the UI does.
    const request = await waitFor('the just-in-time connect request at Bob', async () => {
      const poll = await bob.api.ok('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.requests as any[]).find((r) => r.from_master_pubkey === alice.keys.masterPublicKey);
    });
    await bob.api.ok('POST', '/connect/accept', {
      rendezvous_url: rendezvous.url, word, nonce: request.nonce, peer: alice.keys.masterPublicKey,
      from_ipv4: request.from_ipv4 ?? null, from_ipv6: request.from_ipv6 ?? null, punch_at_ms: request.punch_at_ms,
    });
    await waitFor('delivery after the just-in-time connect', async () => {
      const history = await alice.api.ok('GET', `/friends/${bob.keys.masterPublicKey}/messages`);
      return (history.messages as any[]).find((m) => m.id === message.id)?.state === 'delivered';
    }, 30_000);
  });

  it('pushes live updates to the pages: new message, typing, delivery, unread counts', async () => {
    if ((await alice.api.ok('GET', '/sessions')).sessions.length === 0) await connectPeers(alice, bob, rendezvous.url, word);
    const alicePage = await PageSocket.open(alice);
    const bobPage = await PageSocket.open(bob);
    pages.push(alicePage, bobPage);

    alicePage.socket.emit('chat:typing', { peer: bob.keys.masterPublicKey, typing: true });
    await waitFor('typing at Bob', async () => bobPage.find('chat:typing', (p) => p.peer === alice.keys.masterPublicKey && p.typing === true));

    const sent = await alice.api.ok('POST', `/sessions/${bob.keys.masterPublicKey}/messages`, { body: 'live!' });
    const arrived = await waitFor('the message event at Bob', async () => bobPage.find('chat:message', (p) => p.message?.id === sent.id));
    expect(arrived.peer).to.equal(alice.keys.masterPublicKey);
    expect(arrived.message.body).to.equal('live!');
    await waitFor('the delivered event at Alice', async () =>
      alicePage.find('chat:message-updated', (p) => p.message?.id === sent.id && p.message.state === 'delivered'));

    const conversations = await bob.api.ok('GET', '/conversations');
    const withAlice = (conversations as any[]).find((c) => c.peer === alice.keys.masterPublicKey);
    expect(withAlice.unread).to.be.greaterThan(0);
    expect(withAlice.online).to.equal(true);
    await bob.api.ok('POST', `/friends/${alice.keys.masterPublicKey}/messages/${sent.id}/read`);
    const after = ((await bob.api.ok('GET', '/conversations')) as any[]).find((c) => c.peer === alice.keys.masterPublicKey);
    expect(after.unread).to.equal(0);
    await waitFor('the read event at Alice', async () =>
      alicePage.find('chat:message-updated', (p) => p.message?.id === sent.id && p.message.state === 'read'));
  });

  it('clears a conversation on both sides', async () => {
    const one = await alice.api.ok('POST', `/sessions/${bob.keys.masterPublicKey}/messages`, { body: 'soon gone' });
    await waitFor('the message at Bob', async () =>
      ((await bob.api.ok('GET', `/friends/${alice.keys.masterPublicKey}/messages`)).messages as any[]).some((m) => m.id === one.id));
    const cleared = await alice.api.ok('DELETE', `/friends/${bob.keys.masterPublicKey}/messages?mutual=1`);
    expect(cleared.removed).to.be.greaterThan(0);
    expect((await alice.api.ok('GET', `/friends/${bob.keys.masterPublicKey}/messages`)).messages).to.deep.equal([]);
    await waitFor('the clear at Bob', async () =>
      (await bob.api.ok('GET', `/friends/${alice.keys.masterPublicKey}/messages`)).messages.length === 0);
  });

  it('marks a message refused, visibly, when the friend has chat turned off', async () => {
    const alicePage = pages[0]!;
    await bob.api.ok('POST', '/extensions/chat', { enabled: false });
    try {
      const sent = await alice.api.ok('POST', `/sessions/${bob.keys.masterPublicKey}/messages`, { body: 'anyone?' });
      await waitFor('the refused state at Alice', async () => {
        const history = await alice.api.ok('GET', `/friends/${bob.keys.masterPublicKey}/messages`);
        return (history.messages as any[]).find((m) => m.id === sent.id)?.state === 'refused';
      });
      const nack = await waitFor('the nack event at Alice', async () => alicePage.find('chat:nack', (p) => p.peer === bob.keys.masterPublicKey));
      expect(nack.reason).to.equal('kind-disabled');
      expect(nack.message).to.be.a('string').and.not.equal('');
    } finally {
      await bob.api.ok('POST', '/extensions/chat', { enabled: true });
    }
  });

  it('auto-connects a friend when auto-connect is switched on, without a message waiting', async () => {
    await bob.api.ok('DELETE', `/sessions/${alice.keys.masterPublicKey}`);
    await waitFor('no session at Alice', async () => (await alice.api.ok('GET', '/sessions')).sessions.length === 0);
    const bobAtAlice = await friendOf(alice, bob);
    await alice.api.ok('POST', `/friends/${bobAtAlice.id}`, { auto_connect: true });
    // Switching auto-connect on makes Alice's chat ask for a session at once (no message waits);
    // Bob's page accepts it (a request newer than this test: the room still lists earlier ones).
    const since = Date.now() - 1000;
    const request = await waitFor('an auto-connect request from Alice at Bob', async () => {
      const poll = await bob.api.ok('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.requests as any[]).find((r) => r.from_master_pubkey === alice.keys.masterPublicKey && r.sent_at >= since);
    }, 45_000, 500);
    await bob.api.ok('POST', '/connect/accept', {
      rendezvous_url: rendezvous.url, word, nonce: request.nonce, peer: alice.keys.masterPublicKey,
      from_ipv4: request.from_ipv4 ?? null, from_ipv6: request.from_ipv6 ?? null, punch_at_ms: request.punch_at_ms,
    });
    await waitFor('the auto-connected session', async () =>
      (await alice.api.ok('GET', '/sessions')).sessions.some((s: any) => s.peer === bob.keys.masterPublicKey), 30_000);
  });

  it('removing a friend with propagate reaches the friend when next online; then both copies vanish', async () => {
    for (const page of pages.splice(0)) page.close();
    await alice.api.ok('DELETE', `/sessions/${bob.keys.peerId}`);
    await waitFor('no session at Alice', async () => (await alice.api.ok('GET', '/sessions')).sessions.length === 0);
    await bob.stop();

    const bobAtAlice = await friendOf(alice, bob);
    const answer = await alice.api.ok('DELETE', `/friends/${bobAtAlice.id}`, { propagate: true });
    expect(answer).to.deep.equal({ removing: true });
    expect((await friendOf(alice, bob)).removing).to.equal(true); // waits for Bob

    await bob.restart();
    expect(await friendOf(bob, alice)).to.not.equal(undefined);
    await connectPeers(alice, bob, rendezvous.url, `${word}-again`);
    await waitFor('Alice to vanish from Bob’s friends', async () => (await friendOf(bob, alice)) === undefined);
    await waitFor('Bob to vanish from Alice’s friends', async () => (await friendOf(alice, bob)) === undefined);
  });
});
