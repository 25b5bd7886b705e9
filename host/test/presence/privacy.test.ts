import { expect } from 'chai';
import { Redis } from 'ioredis';
import { bytesToHex } from '@noble/hashes/utils.js';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { RedisRoomStore } from '../../../rendezvous/src/server/redis-store.js';
import type { RoomStore } from '../../../rendezvous/src/server/room-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { decodeEnvelope } from '../../../rendezvous/src/peer/envelope.js';
import { EPOCH_MS } from '../../../rendezvous/src/peer/routing-tag.js';
import { startTestRedis, type TestRedis } from '../../../rendezvous/test/support/redis-server.js';
import { startPresencePeer, type PresencePeer } from './support/presence-peer.js';
import { befriend } from './support/test-persona.js';
import { needs } from '../../../test/support/needs.js';

const ALICE = { ipv4: { address: '203.0.113.7', port: 40001, family: 'ipv4' as const }, ipv6: { address: '2001:db8:aa::7', port: 40002, family: 'ipv6' as const } };
const BOB = { ipv4: { address: '198.51.100.9', port: 41003, family: 'ipv4' as const }, ipv6: { address: '2001:db8:bb::9', port: 41004, family: 'ipv6' as const } };

/** Every form in which an identifying value could show up in a dump. */
function forms(peer: PresencePeer, endpoints: typeof ALICE): Array<[string, string | RegExp]> {
  const p = peer.persona;
  const master = p.masterPublicKey;
  const friendKeys = peer.friends.friends.map((f) => f.x25519PublicKey);
  const out: Array<[string, string | RegExp]> = [
    ['peer id', p.info.peerId],
    ['master key hex', p.info.masterPublicKey],
    ['master key base64', Buffer.from(master).toString('base64')],
    ['master key base64url', Buffer.from(master).toString('base64url')],
    ['static X25519 key', bytesToHex(p.x25519.publicKey)],
    // Labels carry a space, which base64 and hex never contain, so a hit is a real leak.
    ['label', p.info.label],
    ...friendKeys.map((k): [string, string] => ['friend X25519 key', k]),
  ];
  for (const e of [endpoints.ipv4, endpoints.ipv6]) {
    out.push(['address', e.address]);
    // A port only counts where it stands as a number of its own (base64 text is full of digits).
    out.push(['port', new RegExp(`(?<![0-9A-Za-z_-])${e.port}(?![0-9A-Za-z_-])`)]);
  }
  return out;
}

function expectNoneIn(dump: string, peers: Array<[PresencePeer, typeof ALICE]>): void {
  for (const [peer, endpoints] of peers) {
    for (const [what, needle] of forms(peer, endpoints)) {
      const found = typeof needle === 'string' ? dump.toLowerCase().includes(needle.toLowerCase()) : needle.test(dump);
      expect(found, `${peer.persona.info.label}'s ${what} is visible to the operator`).to.equal(false);
    }
  }
}

/** The operator's view of the sealed blobs: their routing tags and owner tags. */
function tagsIn(dump: string): { tags: Set<string>; boxes: Set<string> } {
  const tags = new Set<string>();
  const boxes = new Set<string>();
  // Blobs sit JSON-escaped once or twice inside the dump: drop the escapes before matching.
  for (const match of dump.replace(/\\/g, '').matchAll(/\{"v":1,"t":"sealed_announce","tag":"([0-9a-f]{32})","box":"([A-Za-z0-9_-]+)/g)) {
    tags.add(match[1]!);
    boxes.add(match[2]!);
  }
  return { tags, boxes };
}

async function scenario(store: RoomStore, dumpAll: () => Promise<string>): Promise<void> {
  let now = Math.floor(1_900_000_000_000 / EPOCH_MS) * EPOCH_MS + 60_000; // one minute into an epoch
  const clock = () => now;
  let server: RunningRendezvous | undefined;
  const peers: PresencePeer[] = [];
  try {
    server = await startRendezvousServer({ store, host: '127.0.0.1', port: 0, clock });
    const alice = await startPresencePeer('Alice Liddell', { clock });
    const bob = await startPresencePeer('Bob Marley', { clock });
    peers.push(alice, bob);
    befriend(alice, bob);
    alice.presence.setEndpointSource(async () => ALICE);
    bob.presence.setEndpointSource(async () => BOB);

    await alice.api('/rendezvous/join', { url: server.url, word: 'meadow', mode: 'auto' });
    const bobView = await bob.api('/rendezvous/join', { url: server.url, word: 'meadow', mode: 'parked' });
    const aliceView = await alice.api('/rendezvous/poll', { url: server.url, word: 'meadow' });
    // The friends did find each other, with addresses, through the server...
    expect(bobView.body.peers.map((p: any) => p.label)).to.deep.equal(['Alice Liddell']);
    expect(aliceView.body.peers.map((p: any) => [p.label, p.mode])).to.deep.equal([['Bob Marley', 'parked']]);
    expect(bob.presence.lastSeen(alice.persona.info.masterPublicKey)?.endpoints).to.deep.equal(ALICE);

    // ...yet nothing the server holds names them or their addresses.
    const first = await dumpAll();
    expect(first.length).to.be.greaterThan(0);
    expectNoneIn(first, [[alice, ALICE], [bob, BOB]]);
    const epochOne = tagsIn(first);
    expect(epochOne.tags.size).to.equal(2); // one sealed announce each way, directional tags

    // Next 5-minute epoch: both re-publish under fresh tags and owners; the old entries are gone.
    now += EPOCH_MS;
    await alice.api('/rendezvous/poll', { url: server.url, word: 'meadow' });
    await bob.api('/rendezvous/poll', { url: server.url, word: 'meadow' });
    const second = await dumpAll();
    expectNoneIn(second, [[alice, ALICE], [bob, BOB]]);
    const epochTwo = tagsIn(second);
    expect(epochTwo.tags.size).to.equal(2);
    for (const tag of epochTwo.tags) expect(epochOne.tags.has(tag), 'a routing tag survived the epoch').to.equal(false);
    for (const box of epochTwo.boxes) expect(epochOne.boxes.has(box)).to.equal(false);
    // No owner tag or any other 16+ character token links the two dumps, except the room itself.
    const tokens = (text: string) => new Set(text.match(/[A-Za-z0-9_-]{16,}/g) ?? []);
    const shared = [...tokens(first)].filter((t) => tokens(second).has(t) && !/^[0-9a-f]{64}$/.test(t) && !/^kith:rv:/.test(t));
    expect(shared.filter((t) => !/^[a-z]+$/.test(t)), 'tokens shared across epochs').to.deep.equal([]);
    // Still friends across the rotation.
    const later = await bob.api('/rendezvous/poll', { url: server.url, word: 'meadow' });
    expect(later.body.peers.map((p: any) => p.label)).to.deep.equal(['Alice Liddell']);
    // Sanity: every blob the server holds is a Kith sealed envelope.
    for (const entry of await store.list((bobView.body.room as string), now)) expect(decodeEnvelope(entry.blob)?.t).to.equal('sealed_announce');
  } finally {
    for (const p of peers) await p.close();
    await server?.close();
  }
}

describe('privacy: what the rendezvous operator can see', function () {
  this.timeout(60_000);

  it('memory store: a dump of every room, owner and blob names neither friend, and epochs are unlinkable', async () => {
    const store = new MemoryRoomStore({ sweepIntervalMs: 60_000 });
    await scenario(store, async () => JSON.stringify(store.dump()));
  });

  describe('Redis store', () => {
    needs('redis-server');
    let redis: TestRedis;
    before(async () => {
      redis = await startTestRedis();
    });
    after(() => redis?.stop());

    it('a dump of every Redis key and value names neither friend, and epochs are unlinkable', async () => {
      const store = await RedisRoomStore.connect(redis.url);
      const operator = new Redis(redis.url);
      try {
        await scenario(store, async () => {
          const dump: Record<string, unknown> = {};
          for (const key of await operator.keys('*')) {
            const type = await operator.type(key);
            if (type === 'string') dump[key] = await operator.get(key);
            else if (type === 'zset') dump[key] = await operator.zrange(key, 0, -1, 'WITHSCORES');
            else if (type === 'hash') dump[key] = await operator.hgetall(key);
            else dump[key] = `(${type})`;
          }
          return JSON.stringify(dump);
        });
      } finally {
        operator.disconnect();
      }
    });
  });
});
