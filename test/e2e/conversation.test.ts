/**
 * The first complete conversation: two real hosts and a real rendezvous on loopback, driven only
 * through the documented HTTP API. Create personas, pair by code, join a room, connect, chat both
 * ways with receipts and edits, survive the friend going offline and restarting, keep history
 * across restarts, and never write a message's plaintext to the SQLite file.
 */
import { expect } from 'chai';
import { connect, eventually as waitFor, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { StoppableHost, keyOf, peerIdOf } from './support/stoppable-host.js';

describe('e2e: pair, connect and chat between two hosts', function () {
  this.timeout(180_000);
  let rendezvous: TestRendezvous;
  let alicePeer: StoppableHost;
  let bobPeer: StoppableHost;
  const canary = `canary-${Math.random().toString(36).slice(2)}-plaintext`;

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alicePeer, bobPeer] = await Promise.all([StoppableHost.start('Alice'), StoppableHost.start('Bob')]);
  });

  after(async () => {
    await Promise.allSettled([alicePeer?.dispose(), bobPeer?.dispose()]);
    await rendezvous?.close();
  });

  const history = (peer: TestHost, friend: TestHost) => peer.request('GET', `/friends/${keyOf(friend)}/messages?limit=200`);
  const findMessage = async (peer: TestHost, friend: TestHost, id: string) =>
    ((await history(peer, friend)).messages as any[]).find((m) => m.id === id);

  it('a wrong code fails clearly on both sides', async () => {
    const [alice, bob] = [alicePeer.host, bobPeer.host];
    const { code } = await alice.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Bob' });
    const words = code.split('-');
    const wrong = [...words.slice(0, -1), words.at(-1) === 'zebra' ? 'apple' : 'zebra'].join(' ');
    const [a, b] = await Promise.all([
      alice.call('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: 'Bob', timeout_ms: 20_000 }),
      bob.call('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: wrong, label: 'Alice', timeout_ms: 20_000 }),
    ]);
    for (const answer of [a, b]) {
      expect(answer.status).to.equal(409);
      expect(answer.body.error.code).to.equal('KITH_ERR_PAIRING_MISMATCH');
      expect(answer.body.error.message).to.match(/someone used a wrong code/);
    }
    expect(await alice.request('GET', '/friends')).to.deep.equal([]);
    expect(await bob.request('GET', '/friends')).to.deep.equal([]);
  });

  it('pairs by code: both save each other and see the same safety code; re-pairing is idempotent', async () => {
    const [alice, bob] = [alicePeer.host, bobPeer.host];
    const { code } = await alice.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Bob' });
    expect(code).to.match(/^[1-9][0-9]{0,2}(-[a-z]+){4}$/);
    const typed = ` ${code.toUpperCase().replace(/-/g, '  ')} `;
    const { code: joined } = await bob.request('POST', '/pair/start', { rendezvous_url: rendezvous.url, label: 'Alice', code: typed });
    expect(joined).to.equal(code);
    const [a, b] = await Promise.all([
      alice.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: 'Bob' }),
      bob.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: joined, label: 'Alice' }),
    ]);
    expect(a.friend.master_pubkey).to.equal(keyOf(bob));
    expect(b.friend.master_pubkey).to.equal(keyOf(alice));
    expect(a.friend.label).to.equal('Bob');
    expect(a.safety_code).to.equal(b.safety_code);
    expect(a.created).to.equal(true);

    const again = await Promise.all([
      alice.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: '777 apple banjo cloud drum', label: 'Bob' }),
      bob.request('POST', '/pair/wait', { rendezvous_url: rendezvous.url, code: '777 apple banjo cloud drum', label: 'Alice' }),
    ]);
    expect(again[0].created).to.equal(false);
    expect(await alice.request('GET', '/friends')).to.have.length(1);
    const verified = await alice.request('POST', `/friends/${a.friend.id}`, { verified: true });
    expect(verified.verified).to.equal(true);
  });

  it('connects and exchanges messages both ways; read receipts and edits arrive', async () => {
    const [alice, bob] = [alicePeer.host, bobPeer.host];
    await connect(alice, bob, rendezvous.url);

    const sent = await alice.request('POST', `/sessions/${keyOf(bob)}/messages`, { body: `hi Bob ${canary}` });
    expect(['sent', 'queued', 'delivered']).to.include(sent.state);
    const atBob = await waitFor('the message at Bob', () => findMessage(bob, alice, sent.id));
    expect(atBob.body).to.equal(`hi Bob ${canary}`);
    expect(atBob.from_me).to.equal(false);
    await waitFor('delivered tick at Alice', async () => (await findMessage(alice, bob, sent.id))?.state === 'delivered');

    const reply = await bob.request('POST', `/sessions/${peerIdOf(alice)}/messages`, { body: 'hello Alice' });
    await waitFor('the reply at Alice', () => findMessage(alice, bob, reply.id));

    await bob.request('POST', `/sessions/${keyOf(alice)}/messages/${sent.id}/read`);
    await waitFor('read tick at Alice', async () => (await findMessage(alice, bob, sent.id))?.state === 'read');
    // The moment it was read, under Kith's name and the reference's.
    const read = await findMessage(alice, bob, sent.id);
    expect(read.read_at).to.be.a('number');
    expect(read.read_at_ms).to.equal(read.read_at);

    await alice.request('POST', `/chat_messages/${sent.id}`, { body: 'hi Bob (edited)' });
    await waitFor('the edit at Bob', async () => (await findMessage(bob, alice, sent.id))?.body === 'hi Bob (edited)');

    const doomed = await alice.request('POST', `/sessions/${keyOf(bob)}/messages`, { body: 'delete me' });
    await waitFor('the doomed message at Bob', () => findMessage(bob, alice, doomed.id));
    const del = await alice.call('DELETE', `/chat_messages/${doomed.id}?mutual=1`);
    expect(del.status).to.equal(204);
    // Bob keeps a "message deleted" marker where it was: the row stays, its body is gone.
    await waitFor('the mutual delete at Bob', async () => (await findMessage(bob, alice, doomed.id))?.deleted_at != null);
    expect((await findMessage(bob, alice, doomed.id)).body).to.equal('');
    expect(await findMessage(alice, bob, doomed.id)).to.equal(undefined);
  });

  it('delivers messages sent while the friend is offline after it restarts and reconnects; history survives', async () => {
    // Close the session first, so the send cannot go into a session the net layer still thinks is live.
    await alicePeer.host.request('DELETE', `/sessions/${peerIdOf(bobPeer.host)}`);
    await waitFor('the session to close at Alice', async () => (await alicePeer.host.request('GET', '/sessions')).sessions.length === 0);
    await bobPeer.stop();
    const queued = await alicePeer.host.request('POST', `/sessions/${bobPeer.key}/messages`, { body: `while you were away ${canary}` });
    expect(queued.state).to.equal('queued');

    await bobPeer.start();
    const [alice, bob] = [alicePeer.host, bobPeer.host];
    // Bob's history from before the restart is still there, readable.
    const before = (await history(bob, alice)).messages as any[];
    expect(before.map((m) => m.body)).to.include('hi Bob (edited)');

    await alice.restart();
    await connect(bob, alice, rendezvous.url);
    const arrived = await waitFor('the queued message at Bob', () => findMessage(bob, alice, queued.id), 30_000);
    expect(arrived.body).to.equal(`while you were away ${canary}`);
    await waitFor('delivered tick at Alice after reconnect', async () => (await findMessage(alice, bob, queued.id))?.state === 'delivered');
  });

  it('keeps no message plaintext in the raw SQLite file (canary)', async () => {
    await bobPeer.host.request('POST', '/self/messages', { body: `note ${canary}` });
    for (const peer of [alicePeer, bobPeer]) {
      const bytes = peer.databaseBytes();
      expect(bytes.length).to.be.greaterThan(0);
      expect(bytes.includes(Buffer.from(canary))).to.equal(false, `${peer.name}'s SQLite file holds the plaintext`);
      expect(bytes.includes(Buffer.from('hello Alice'))).to.equal(false);
    }
  });
});
