import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bytesToHex } from '@noble/hashes/utils.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { roomForWord } from '../../../rendezvous/src/peer/room.js';

interface Peer {
  host: RunningHost;
  dir: string;
}

async function startPeer(label: string): Promise<Peer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-presence-host-'));
  const host = await startHost({ config: loadConfig({}, { port: 0, dataDir: dir, noBrowser: true }), log: createLogger('silent') });
  const created = await host.areas.identity.registry.create({ label, passphrase: `${label} passphrase` });
  await host.areas.identity.registry.unlock(created.slug, `${label} passphrase`, true);
  return { host, dir };
}

function post(peer: Peer, pathname: string, body: unknown) {
  return peer.host.fetch(`/api${pathname}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

describe('presence in the real host: identity friends, lock and shutdown', function () {
  this.timeout(60_000);
  let server: RunningRendezvous;
  const peers: Peer[] = [];

  before(async () => {
    server = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 60_000 }), host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    for (const p of peers) {
      await p.host.close();
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
    await server.close();
  });

  it('two saved friends find each other through /api/rendezvous; lock and close unpublish everything', async () => {
    const alice = await startPeer('Alice');
    const bob = await startPeer('Bob');
    peers.push(alice, bob);
    const a = alice.host.areas.identity.registry.active!;
    const b = bob.host.areas.identity.registry.active!;
    // Save each other the way pairing does: each side's per-friend X25519 key for the other.
    await alice.host.areas.identity.friends.save({
      peer: b.info.masterPublicKey, peerId: b.info.peerId, label: 'Bob',
      x25519PublicKey: bytesToHex(b.friendX25519(a.masterPublicKey).publicKey),
    });
    await bob.host.areas.identity.friends.save({
      peer: a.info.masterPublicKey, peerId: a.info.peerId, label: 'Alice',
      x25519PublicKey: bytesToHex(a.friendX25519(b.masterPublicKey).publicKey),
    });

    expect((await post(alice, '/rendezvous/join', { url: server.url, word: 'integration', mode: 'auto' })).status).to.equal(200);
    const bobView = await post(bob, '/rendezvous/join', { url: server.url, word: 'integration' });
    expect(bobView.body.peers.map((p: any) => [p.label, p.friend, p.mode])).to.deep.equal([['Alice', true, 'auto']]);
    const aliceView = await post(alice, '/rendezvous/poll', { url: server.url, word: 'integration' });
    expect(aliceView.body.peers.map((p: any) => p.master_pubkey)).to.deep.equal([b.info.masterPublicKey]);
    expect(bob.host.areas.presence.lastSeen(a.info.masterPublicKey)?.peerId).to.equal(a.info.peerId);

    const room = roomForWord('integration');
    expect(await server.store.list(room, Date.now())).to.have.length(2);
    alice.host.areas.identity.registry.lock();
    expect((await post(alice, '/rendezvous/poll', { url: server.url, word: 'integration' })).status).to.equal(423);
    for (let i = 0; i < 100 && (await server.store.list(room, Date.now())).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await server.store.list(room, Date.now())).to.have.length(1);
    await bob.host.close();
    expect(await server.store.list(room, Date.now())).to.deep.equal([]);
  });
});
