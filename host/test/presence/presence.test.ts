import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { roomForWord } from '../../../rendezvous/src/peer/room.js';
import { ownerTagOf } from '../../../rendezvous/src/owner-tag.js';
import type { InboundConnectRequest } from '../../src/presence/area.js';
import { startPresencePeer, type PresencePeer } from './support/presence-peer.js';
import { befriend } from './support/test-persona.js';

const ALICE_V4 = { address: '203.0.113.7', port: 40001, family: 'ipv4' as const };
const ALICE_V6 = { address: '2001:db8::7', port: 40002, family: 'ipv6' as const };
const BOB_V4 = { address: '198.51.100.9', port: 41001, family: 'ipv4' as const };

describe('presence: sealed announcements, friends-first rooms, connect signalling', () => {
  let server: RunningRendezvous;
  let store: MemoryRoomStore;
  const peers: PresencePeer[] = [];
  let alice: PresencePeer;
  let bob: PresencePeer;

  beforeEach(async () => {
    store = new MemoryRoomStore({ sweepIntervalMs: 60_000 });
    server = await startRendezvousServer({ store, host: '127.0.0.1', port: 0 });
    alice = await startPresencePeer('Alice');
    bob = await startPresencePeer('Bob');
    peers.push(alice, bob);
    befriend(alice, bob);
    // Alice's discovery also reports a LAN address: it must never be published.
    alice.presence.setEndpointSource(async () => ({ ipv4: { address: '192.168.1.20', port: 5000, family: 'ipv4' }, ipv6: ALICE_V6 }));
    bob.presence.setEndpointSource(async () => ({ ipv4: BOB_V4, ipv6: null }));
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.close();
    await server.close();
  });

  it('two friends in one room see each other, labelled, with mode; strangers stay hidden until shown', async () => {
    const carol = await startPresencePeer('Carol');
    peers.push(carol);
    expect((await alice.api('/rendezvous/join', { url: server.url, word: 'Garden', mode: 'auto' })).status).to.equal(200);
    await carol.api('/rendezvous/join', { url: server.url, word: 'garden', show_strangers: true });
    const bobView = await bob.api('/rendezvous/join', { url: server.url, word: 'garden ', mode: 'manual' });
    expect(bobView.status).to.equal(200);
    expect(bobView.body.room).to.equal(roomForWord('garden'));
    expect(bobView.body.peers).to.have.length(1);
    expect(bobView.body.peers[0]).to.include({
      peer_id: alice.persona.info.peerId, master_pubkey: alice.persona.info.masterPublicKey, label: 'Alice', friend: true,
      mode: 'auto', has_ipv4: false, has_ipv6: true,
    });
    // Alice publishes no plaintext announce (show_strangers is off): Carol sees nobody.
    const carolView = await carol.api('/rendezvous/poll', { url: server.url, word: 'garden' });
    expect(carolView.body.peers).to.deep.equal([]);
    // Bob shows strangers: Carol's plaintext announce appears after his friend.
    const shown = await bob.api('/rendezvous/poll', { url: server.url, word: 'garden', show_strangers: true });
    expect(shown.body.peers.map((p: any) => [p.label, p.friend])).to.deep.equal([['Alice', true], [null, false]]);
    expect(shown.body.peers[1].peer_id).to.equal(carol.persona.info.peerId);
    // And now Carol sees Bob's plaintext announce.
    const carolAgain = await carol.api('/rendezvous/poll', { url: server.url, word: 'garden' });
    expect(carolAgain.body.peers.map((p: any) => p.peer_id)).to.deep.equal([bob.persona.info.peerId]);
    // Switching strangers off takes Bob's plaintext announce down at once.
    await bob.api('/rendezvous/poll', { url: server.url, word: 'garden', show_strangers: false });
    expect((await carol.api('/rendezvous/poll', { url: server.url, word: 'garden' })).body.peers).to.deep.equal([]);
    // Alice's LAN address was dropped: Bob learned only her public IPv6 endpoint.
    expect(bob.presence.lastSeen(alice.persona.info.masterPublicKey)).to.deep.include({
      url: server.url, word: 'garden ', peerId: alice.persona.info.peerId, mode: 'auto', endpoints: { ipv4: null, ipv6: ALICE_V6 },
    });
    expect(JSON.stringify(store.dump())).to.not.contain('192.168.1.20');
  });

  it('carries a connect request and its accept between friends (auto_accept follows the receiver mode)', async () => {
    await alice.api('/rendezvous/join', { url: server.url, word: 'porch' });
    await bob.api('/rendezvous/join', { url: server.url, word: 'porch', mode: 'auto' });
    const seen: InboundConnectRequest[] = [];
    bob.presence.onConnectRequest((r) => seen.push(r));
    const nonce = randomBytes(16).toString('hex');
    const punchAtMs = (await alice.presence.serverNow(server.url)) + 2000;
    await alice.presence.publishConnectRequest({
      url: server.url, word: 'porch', to: { peer: bob.persona.info.masterPublicKey }, nonce, punchAtMs, endpoints: { ipv4: ALICE_V4, ipv6: null },
    });
    const poll = await bob.api('/rendezvous/poll', { url: server.url, word: 'porch' });
    expect(poll.body.requests).to.have.length(1);
    expect(poll.body.requests[0]).to.deep.include({
      nonce, from_peer_id: alice.persona.info.peerId, from_master_pubkey: alice.persona.info.masterPublicKey, label: 'Alice', friend: true,
      auto_accept: true, punch_at_ms: punchAtMs, from_ipv4: ALICE_V4, from_ipv6: null,
    });
    expect(seen.map((r) => r.nonce)).to.deep.equal([nonce]);
    // A second poll does not fire the event again.
    await bob.api('/rendezvous/poll', { url: server.url, word: 'porch' });
    expect(seen).to.have.length(1);

    const waiting = alice.presence.awaitConnectAccept(nonce, 10_000);
    await bob.presence.publishConnectAccept({
      url: server.url, word: 'porch', to: { peer: alice.persona.info.masterPublicKey }, nonce, punchAtMs, endpoints: { ipv4: BOB_V4, ipv6: null },
    });
    const accept = await waiting;
    expect(accept).to.deep.include({ nonce, from: bob.persona.info.masterPublicKey, fromPeerId: bob.persona.info.peerId, friend: true, punchAtMs });
    expect(accept.endpoints).to.deep.equal({ ipv4: BOB_V4, ipv6: null });
    // Once answered, the request is no longer pending on Bob's side.
    expect((await bob.api('/rendezvous/poll', { url: server.url, word: 'porch' })).body.requests).to.deep.equal([]);
  });

  it('lets one request per sender wait: a newer one replaces it (no stacked prompts), the older cannot be accepted', async () => {
    await alice.api('/rendezvous/join', { url: server.url, word: 'stack' });
    await bob.api('/rendezvous/join', { url: server.url, word: 'stack' });
    const seen: InboundConnectRequest[] = [];
    bob.presence.onConnectRequest((r) => seen.push(r));
    const send = async () => {
      const nonce = randomBytes(16).toString('hex');
      await alice.presence.publishConnectRequest({
        url: server.url, word: 'stack', to: { peer: bob.persona.info.masterPublicKey }, nonce, punchAtMs: 1, endpoints: { ipv4: ALICE_V4, ipv6: null },
      });
      await new Promise((r) => setTimeout(r, 5)); // a later signed send time
      return nonce;
    };
    const first = await send();
    expect((await bob.api('/rendezvous/poll', { url: server.url, word: 'stack' })).body.requests.map((r: any) => r.nonce)).to.deep.equal([first]);
    const nonces = [await send(), await send(), await send(), await send()];
    const poll = await bob.api('/rendezvous/poll', { url: server.url, word: 'stack' });
    expect(poll.body.requests.map((r: any) => r.nonce)).to.deep.equal([nonces[3]]);
    // One prompt for the first fetch, one for the newest of the next: never one per request.
    expect(seen.map((r) => r.nonce)).to.deep.equal([first, nonces[3]]);
    const stale = await bob.presence.publishConnectAccept({
      url: server.url, word: 'stack', to: { peer: alice.persona.info.masterPublicKey }, nonce: first, punchAtMs: 1, endpoints: { ipv4: BOB_V4, ipv6: null },
    }).catch((e) => e);
    expect(stale.code).to.equal('KITH_ERR_CONFLICT');
  });

  it('a manual receiver gets auto_accept false; an accept that never comes times out with KITH_ERR_TIMEOUT', async () => {
    await alice.api('/rendezvous/join', { url: server.url, word: 'manual' });
    await bob.api('/rendezvous/join', { url: server.url, word: 'manual' });
    const nonce = randomBytes(16).toString('hex');
    await alice.presence.publishConnectRequest({
      url: server.url, word: 'manual', to: { peer: bob.persona.info.masterPublicKey }, nonce, punchAtMs: 1, endpoints: { ipv4: null, ipv6: ALICE_V6 },
    });
    const poll = await bob.api('/rendezvous/poll', { url: server.url, word: 'manual' });
    expect(poll.body.requests.map((r: any) => [r.nonce, r.auto_accept])).to.deep.equal([[nonce, false]]);
    const error = await alice.presence.awaitConnectAccept(nonce, 800).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_TIMEOUT');
  });

  it('connects strangers through their announced X25519 keys when unpaired peers are shown', async () => {
    const carol = await startPresencePeer('Carol');
    peers.push(carol);
    await carol.api('/rendezvous/join', { url: server.url, word: 'lobby', show_strangers: true });
    const view = await alice.api('/rendezvous/join', { url: server.url, word: 'lobby', show_strangers: true });
    expect(view.body.peers.map((p: any) => p.peer_id)).to.deep.equal([carol.persona.info.peerId]);
    const nonce = randomBytes(16).toString('hex');
    await alice.presence.publishConnectRequest({
      url: server.url, word: 'lobby', to: { peerId: carol.persona.info.peerId }, nonce, punchAtMs: 5, endpoints: { ipv4: ALICE_V4, ipv6: null },
    });
    const requests = (await carol.api('/rendezvous/poll', { url: server.url, word: 'lobby' })).body.requests;
    expect(requests.map((r: any) => [r.nonce, r.friend, r.auto_accept, r.from_peer_id])).to.deep.equal([[nonce, false, false, alice.persona.info.peerId]]);
    // Bob, a friend of Alice's but not the addressee, sees no request.
    await bob.api('/rendezvous/join', { url: server.url, word: 'lobby' });
    expect((await bob.api('/rendezvous/poll', { url: server.url, word: 'lobby' })).body.requests).to.deep.equal([]);
    const waiting = alice.presence.awaitConnectAccept(nonce, 10_000);
    await carol.presence.publishConnectAccept({
      url: server.url, word: 'lobby', to: { peerId: alice.persona.info.peerId }, nonce, punchAtMs: 5, endpoints: { ipv4: null, ipv6: null },
    });
    expect((await waiting).from).to.equal(carol.persona.info.masterPublicKey);
    const unknown = await alice.presence.publishConnectRequest({
      url: server.url, word: 'lobby', to: { peerId: 'nobody-here' }, nonce: randomBytes(16).toString('hex'), punchAtMs: 5, endpoints: { ipv4: null, ipv6: null },
    }).catch((e) => e);
    expect(unknown.code).to.equal('KITH_ERR_NOT_FOUND');
  });

  it('unpublishes every owner on leave, on lock and on stop', async () => {
    const room = roomForWord('tracked');
    await alice.api('/rendezvous/join', { url: server.url, word: 'tracked', show_strangers: true });
    await bob.api('/rendezvous/join', { url: server.url, word: 'tracked', show_strangers: true });
    expect((await server.store.list(room, Date.now())).length).to.equal(4); // 2 sealed + 2 plaintext
    // What ctx.diagnostics.rooms() reads (the diagnostics extension serves it): by the word typed.
    const rooms = alice.presence.roomsOf(alice.persona.info.masterPublicKey);
    expect(rooms.tracked).to.deep.equal([{ url: server.url, room, word: 'tracked', owners: 2, sources: ['presence'] }]);
    expect(rooms.joined).to.deep.equal([{ url: server.url, room, word: 'tracked', mode: 'manual', showStrangers: true }]);

    const left = await alice.api('/rendezvous/leave', { url: server.url, word: 'tracked' });
    expect(left.body).to.deep.equal({ left: true, unpublished: 2 });
    expect((await server.store.list(room, Date.now())).length).to.equal(2);

    bob.gate.set(undefined); // lock
    await bob.api('/rendezvous/poll', { url: server.url, word: 'tracked' }).then((r) => expect(r.status).to.equal(423));
    for (let i = 0; i < 50 && (await server.store.list(room, Date.now())).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await server.store.list(room, Date.now())).to.deep.equal([]);
    expect(bob.presence.tracker.size).to.equal(0);

    await alice.api('/rendezvous/join', { url: server.url, word: 'tracked' });
    expect((await server.store.list(room, Date.now())).length).to.equal(1);
    await alice.presence.stop?.();
    expect(await server.store.list(room, Date.now())).to.deep.equal([]);
    expect(bob.presence.roomsOf(bob.persona.info.masterPublicKey)).to.deep.equal({ tracked: [], joined: [] });
    expect(alice.kernel.diagnostics.rendezvous.list().map((e) => e.stage)).to.include.members(['publish', 'fetch', 'unpublish']);
  });

  it('takes a removed friend\'s sealed announce down on the next poll', async () => {
    const room = roomForWord('breakup');
    await alice.api('/rendezvous/join', { url: server.url, word: 'breakup' });
    expect((await bob.api('/rendezvous/join', { url: server.url, word: 'breakup' })).body.peers).to.have.length(1);
    alice.friends.friends.splice(0); // Alice removes Bob
    await alice.api('/rendezvous/poll', { url: server.url, word: 'breakup' });
    expect((await bob.api('/rendezvous/poll', { url: server.url, word: 'breakup' })).body.peers).to.deep.equal([]);
    expect((await server.store.list(room, Date.now())).length).to.equal(1); // only Bob's own blob for Alice
  });

  it('a quick lock and unlock does not let the old session unpublish the new one', async () => {
    const room = roomForWord('relock');
    await alice.api('/rendezvous/join', { url: server.url, word: 'relock' });
    alice.gate.set(undefined);
    alice.gate.set(alice.persona); // unlocked again at once: a new session
    await alice.api('/rendezvous/join', { url: server.url, word: 'relock' });
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 20)); // let the old session finish unpublishing
    const entries = await server.store.list(room, Date.now());
    expect(entries).to.have.length(1);
    // The tracker holds owner secrets; the server holds only their public tags.
    expect(alice.presence.tracker.list({ room }).map((e) => ownerTagOf(e.owner))).to.deep.equal(entries.map((e) => e.owner));
  });

  it('checks a server and refuses bad input clearly', async () => {
    const ok = await alice.api('/rendezvous/check', { url: server.url });
    expect(ok.body).to.include({ ok: true, url: server.url });
    const down = await alice.api('/rendezvous/check', { url: 'http://127.0.0.1:1' });
    expect([down.status, down.body.error.code]).to.deep.equal([502, 'KITH_ERR_UPSTREAM']);
    const notRendezvous = await alice.api('/rendezvous/check', { url: 'ftp://example.org' });
    expect(notRendezvous.body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    expect((await alice.api('/rendezvous/join', { url: server.url })).body.error.code).to.equal('KITH_ERR_BAD_REQUEST');
    expect((await alice.api('/rendezvous/join', { url: server.url, word: 'x', mode: 'loud' })).status).to.equal(400);
    // A first join the server never answered is not a room Alice is in (diagnostics listed it as joined).
    const failed = await alice.api('/rendezvous/join', { url: 'http://127.0.0.1:1', word: 'nowhere' });
    expect(failed.status).to.equal(502);
    await new Promise((r) => setTimeout(r, 20));
    expect(alice.presence.roomsOf(alice.persona.info.masterPublicKey).joined.map((j) => j.url)).to.not.include('http://127.0.0.1:1');
  });

  it('gives extensions tracked raw rooms (ctx.rendezvous) that are unpublished when the extension stops', async () => {
    const disposables: Array<{ dispose(): void }> = [];
    const scope = {
      extension: { id: 'pairing', version: '1.0.0', builtin: true, root: '/' },
      track: <T extends { dispose(): void }>(d: T) => (disposables.push(d), d),
    } as never;
    const rendezvous = alice.presence.providers!.rendezvous!(scope);
    const room = roomForWord('pairing-room');
    await rendezvous.publish(server.url, room, '{"v":1,"t":"pair_offer","box":"AAAA"}', 'pair-owner-secret-1');
    expect((await rendezvous.fetch(server.url, room)).map((e) => e.owner)).to.deep.equal([ownerTagOf('pair-owner-secret-1')]);
    expect(Math.abs((await rendezvous.time(server.url)) - Date.now())).to.be.below(1000);
    expect(alice.presence.tracker.list({ source: 'ext:pairing' })).to.have.length(1);
    for (const d of disposables.reverse()) d.dispose();
    for (let i = 0; i < 50 && (await server.store.list(room, Date.now())).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await server.store.list(room, Date.now())).to.deep.equal([]);
    const bad = await rendezvous.publish(server.url, 'not-a-room', 'x').catch((e) => e);
    expect(bad.code).to.equal('KITH_ERR_BAD_REQUEST');
  });
});
