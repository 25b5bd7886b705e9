/**
 * Friends beyond the first conversation, two real hosts and a rendezvous on loopback: pairing by
 * invite token, just-in-time connect for a friend with auto-connect off, live updates to the page
 * (message, typing, delivery), and removing a friend on both sides.
 */
import { expect } from 'chai';
import { connect, eventually as waitFor, startTestRendezvous, type TestRendezvous } from '@kith/sdk/testing';
import { StoppableHost, peerIdOf } from './support/stoppable-host.js';

describe('e2e: invites, just-in-time and auto connect, live page events, removing a friend', function () {
  this.timeout(180_000);
  let rendezvous: TestRendezvous;
  let alice: StoppableHost;
  let bob: StoppableHost;
  const word = `friends-${Math.random().toString(36).slice(2)}`;

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([StoppableHost.start('Alice'), StoppableHost.start('Bob')]);
  });

  after(async () => {
    await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
    await rendezvous?.close();
  });

  // The reference's spelling of the mode ("Manual") is taken as well as Kith's.
  const joinRoom = (peer: StoppableHost) => peer.host.request('POST', '/rendezvous/join', { url: rendezvous.url, word, mode: peer === alice ? 'Manual' : 'manual' });

  const friendOf = async (peer: StoppableHost, other: StoppableHost) =>
    ((await peer.host.request('GET', '/friends')) as any[]).find((f) => f.master_pubkey === other.key);

  it('adds a friend with an invite token (text or QR)', async () => {
    const invite = await alice.host.request('POST', '/pair/invite', { rendezvous_url: rendezvous.url });
    expect(invite.token).to.match(/^kith-invite:v1:/);
    expect(invite.qr_svg).to.match(/^<svg/);
    const [a, b] = await Promise.all([
      alice.host.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: invite.code, label: 'Bob' }),
      bob.host.request('POST', '/pair/redeem', { token: invite.token }),
    ]);
    expect(a.friend.master_pubkey).to.equal(bob.key);
    expect(b.friend.master_pubkey).to.equal(alice.key);
    expect(b.friend.label).to.equal('Alice'); // the inviter's own label, carried in the token
    expect(a.safety_code).to.equal(b.safety_code);
    // A code pairs once: used again, it says so (not a mismatch with the run's lingering shares).
    const again = await alice.host.fetch('/api/pair/wait', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rendezvous_url: rendezvous.url, code: invite.code, timeout_ms: 2000 }),
    });
    expect(again.status).to.equal(409);
    expect((await again.json()).error.details.reason).to.equal('code-spent');
  });

  it('names the friend as /pair/start was told (the reference\'s clients name them there, not at /pair/wait)', async () => {
    // Friends again from scratch (a saved friend keeps the name the user gave).
    await alice.host.request('DELETE', `/friends/${(await friendOf(alice, bob)).id}`);
    await bob.host.request('DELETE', `/friends/${(await friendOf(bob, alice)).id}`);
    const { code } = await alice.host.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Robert' });
    await bob.host.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Ally', code });
    const [a, b] = await Promise.all([
      alice.host.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code }),
      bob.host.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code }),
    ]);
    expect(a.friend).to.include({ master_pubkey: bob.key, label: 'Robert' });
    expect(b.friend).to.include({ master_pubkey: alice.key, label: 'Ally' });
    expect((await friendOf(alice, bob)).label).to.equal('Robert');
  });

  it("numbers a new friend whose own name looks like a saved friend's (a stranger pairing as 'ROBERT')", async () => {
    const impostor = await StoppableHost.start('ROBERT');
    try {
      const invite = await impostor.host.request('POST', '/pair/invite', { rendezvous_url: rendezvous.url });
      const [a, i] = await Promise.all([
        alice.host.request('POST', '/pair/redeem', { token: invite.token }),
        impostor.host.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: invite.code }),
      ]);
      expect(a.friend).to.include({ master_pubkey: impostor.key, label: 'ROBERT (2)' });
      expect(i.friend.label).to.equal('Alice');
      expect((await friendOf(alice, bob)).label).to.equal('Robert');
      await alice.host.request('DELETE', `/friends/${a.friend.id}`);
    } finally {
      await impostor.dispose();
    }
  });

  it('renames a friend re-paired under a name typed for it, and keeps the name otherwise', async () => {
    const pairAgain = async (labels: { alice?: string; bob?: string }) => {
      const invite = await alice.host.request('POST', '/pair/invite', { rendezvous_url: rendezvous.url });
      return Promise.all([
        alice.host.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: invite.code, ...(labels.alice ? { label: labels.alice } : {}) }),
        bob.host.request('POST', '/pair/redeem', { token: invite.token, ...(labels.bob ? { label: labels.bob } : {}) }),
      ]);
    };
    const [a, b] = await pairAgain({ alice: 'Bobby' });
    expect(a).to.include({ created: false, label: 'Bobby' });
    expect(b).to.include({ created: false, label: 'Ally' });
    expect((await friendOf(alice, bob)).label).to.equal('Bobby');
    await pairAgain({});
    expect((await friendOf(alice, bob)).label).to.equal('Bobby');
    // An empty name is named as the problem, not taken for "nothing to change".
    const empty = await alice.host.call('POST', `/friends/${(await friendOf(alice, bob)).id}`, { label: '' });
    expect(empty.status).to.equal(400);
    expect(empty.body.error.message).to.match(/label must be 1 to 64 printable characters/);
    await alice.host.request('POST', `/friends/${(await friendOf(alice, bob)).id}`, { label: 'Robert' });
  });

  it('connects just in time when a message waits for a friend with auto-connect off', async () => {
    const bobAtAlice = await friendOf(alice, bob);
    await alice.host.request('POST', `/friends/${bobAtAlice.id}`, { auto_connect: false });
    expect((await friendOf(alice, bob)).auto_connect).to.equal(false);
    await joinRoom(alice);
    await joinRoom(bob);
    // Alice sees Bob in the room (his sealed announcement), but no session is open.
    await waitFor('Bob in the room at Alice', async () => {
      const poll = await alice.host.request('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.peers as any[]).some((p) => p.master_pubkey === bob.key);
    });
    expect((await alice.host.request('GET', '/sessions')).sessions).to.deep.equal([]);

    const message = await alice.host.request('POST', `/sessions/${bob.key}/messages`, { body: 'are you there?' });
    expect(message.state).to.equal('queued');
    // The chat extension asked for the session; Bob's page accepts the request like the UI does.
    const request = await waitFor('the just-in-time connect request at Bob', async () => {
      const poll = await bob.host.request('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.requests as any[]).find((r) => r.from_master_pubkey === alice.key);
    });
    await bob.host.request('POST', '/connect/accept', {
      rendezvous_url: rendezvous.url, word, nonce: request.nonce, peer: alice.key,
      from_ipv4: request.from_ipv4 ?? null, from_ipv6: request.from_ipv6 ?? null, punch_at_ms: request.punch_at_ms,
    });
    await waitFor('delivery after the just-in-time connect', async () => {
      const history = await alice.host.request('GET', `/friends/${bob.key}/messages`);
      return (history.messages as any[]).find((m) => m.id === message.id)?.state === 'delivered';
    }, 30_000);
  });

  it('refuses at once a punch instant set further ahead than a connect request lives (it held a connect slot for an hour)', async () => {
    const post = (route: string, body: unknown) =>
      alice.host.fetch(`/api${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const anHourAhead = Date.now() + 3_600_000;
    const started = Date.now();
    const direct = await post('/connect', { peer: bob.key, ipv4: '127.0.0.1:9', rendezvous_url: rendezvous.url, punch_at_ms: anHourAhead });
    const accept = await post('/connect/accept', { rendezvous_url: rendezvous.url, word, nonce: 'ab'.repeat(16), peer: bob.key, from_ipv4: '127.0.0.1:9', punch_at_ms: anHourAhead });
    expect(Date.now() - started).to.be.below(10_000);
    for (const answer of [direct, accept]) {
      expect(answer.status).to.equal(400);
      expect((await answer.json()).error.message).to.match(/punch_at_ms sets the punch 36\d\d s from now; at most 60 s ahead/);
    }
  });

  it('pushes live updates to the pages: new message, typing, delivery, unread counts', async () => {
    if ((await alice.host.request('GET', '/sessions')).sessions.length === 0) await connect(alice.host, bob.host, rendezvous.url);
    const alicePage = alice.host.events;
    const bobPage = bob.host.events;

    alicePage.emit('chat:typing', { peer: bob.key, typing: true });
    await bobPage.waitFor<any>('chat:typing', (p) => p.peer === alice.key && p.typing === true);

    const sent = await alice.host.request('POST', `/sessions/${bob.key}/messages`, { body: 'live!' });
    const arrived = await bobPage.waitFor<any>('chat:message', (p) => p.message?.id === sent.id);
    expect(arrived.peer).to.equal(alice.key);
    expect(arrived.message.body).to.equal('live!');
    await alicePage.waitFor<any>('chat:message-updated', (p) => p.message?.id === sent.id && p.message.state === 'delivered');

    const conversations = await bob.host.request('GET', '/conversations');
    const withAlice = (conversations as any[]).find((c) => c.peer === alice.key);
    expect(withAlice.unread).to.be.greaterThan(0);
    expect(withAlice.online).to.equal(true);
    await bob.host.request('POST', `/friends/${alice.key}/messages/${sent.id}/read`);
    const after = ((await bob.host.request('GET', '/conversations')) as any[]).find((c) => c.peer === alice.key);
    expect(after.unread).to.equal(0);
    await alicePage.waitFor<any>('chat:message-updated', (p) => p.message?.id === sent.id && p.message.state === 'read');
  });

  it('clears a conversation on both sides', async () => {
    const one = await alice.host.request('POST', `/sessions/${bob.key}/messages`, { body: 'soon gone' });
    await waitFor('the message at Bob', async () =>
      ((await bob.host.request('GET', `/friends/${alice.key}/messages`)).messages as any[]).some((m) => m.id === one.id));
    const cleared = await alice.host.request('DELETE', `/friends/${bob.key}/messages?mutual=1`);
    expect(cleared.removed).to.be.greaterThan(0);
    expect((await alice.host.request('GET', `/friends/${bob.key}/messages`)).messages).to.deep.equal([]);
    await waitFor('the clear at Bob', async () =>
      (await bob.host.request('GET', `/friends/${alice.key}/messages`)).messages.length === 0);
  });

  it('marks a message refused, visibly, when the friend has chat turned off', async () => {
    const alicePage = alice.host.events;
    await bob.host.request('POST', '/extensions/chat', { enabled: false });
    try {
      const sent = await alice.host.request('POST', `/sessions/${bob.key}/messages`, { body: 'anyone?' });
      await waitFor('the refused state at Alice', async () => {
        const history = await alice.host.request('GET', `/friends/${bob.key}/messages`);
        return (history.messages as any[]).find((m) => m.id === sent.id)?.state === 'refused';
      });
      const nack = await alicePage.waitFor<any>('chat:nack', (p) => p.peer === bob.key);
      expect(nack.reason).to.equal('kind-disabled');
      expect(nack.message).to.equal('Your friend has chat turned off'); // chat's words, not the host's
    } finally {
      await bob.host.request('POST', '/extensions/chat', { enabled: true });
    }
  });

  it('auto-connects a friend when auto-connect is switched on, without a message waiting', async () => {
    await bob.host.request('DELETE', `/sessions/${alice.key}`);
    await waitFor('no session at Alice', async () => (await alice.host.request('GET', '/sessions')).sessions.length === 0);
    const bobAtAlice = await friendOf(alice, bob);
    await alice.host.request('POST', `/friends/${bobAtAlice.id}`, { auto_connect: true });
    // Switching auto-connect on makes Alice's chat ask for a session at once (no message waits);
    // Bob's page accepts it (a request newer than this test: the room still lists earlier ones).
    const since = Date.now() - 1000;
    const request = await waitFor('an auto-connect request from Alice at Bob', async () => {
      const poll = await bob.host.request('POST', '/rendezvous/poll', { url: rendezvous.url, word, mode: 'manual' });
      return (poll.requests as any[]).find((r) => r.from_master_pubkey === alice.key && r.sent_at >= since);
    }, 45_000, 500);
    await bob.host.request('POST', '/connect/accept', {
      rendezvous_url: rendezvous.url, word, nonce: request.nonce, peer: alice.key,
      from_ipv4: request.from_ipv4 ?? null, from_ipv6: request.from_ipv6 ?? null, punch_at_ms: request.punch_at_ms,
    });
    await waitFor('the auto-connected session', async () =>
      (await alice.host.request('GET', '/sessions')).sessions.some((s: any) => s.peer === bob.key), 30_000);
  });

  it('removing a friend with propagate reaches the friend when next online; then both copies vanish', async () => {
    await alice.host.request('DELETE', `/sessions/${peerIdOf(bob.host)}`);
    await waitFor('no session at Alice', async () => (await alice.host.request('GET', '/sessions')).sessions.length === 0);
    await bob.stop();

    const bobAtAlice = await friendOf(alice, bob);
    const answer = await alice.host.request('DELETE', `/friends/${bobAtAlice.id}`, { propagate: true });
    expect(answer).to.deep.equal({ removing: true });
    expect((await friendOf(alice, bob)).removing).to.equal(true); // waits for Bob

    await bob.start();
    expect(await friendOf(bob, alice)).to.not.equal(undefined);
    await connect(alice.host, bob.host, rendezvous.url);
    await waitFor('Alice to vanish from Bob’s friends', async () => (await friendOf(bob, alice)) === undefined);
    await waitFor('Bob to vanish from Alice’s friends', async () => (await friendOf(alice, bob)) === undefined);
  });
});
