/**
 * The bus tables do not name a persona's friends: after queued sends, deliveries both ways and a
 * refusal over a real UDP session, the raw bytes of each peer's SQLite file (and WAL) hold no
 * friend master key, in hex or raw; rows an older version wrote in clear are converted when the
 * persona is next active.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { KindRegistry, Sessions } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { linkPair, until } from './support/link-pair.js';

function leaks(peer: TestPeer, key: string): string[] {
  const found: string[] = [];
  for (const file of fs.readdirSync(peer.dataDir).filter((f) => f.startsWith('kith.sqlite'))) {
    const bytes = fs.readFileSync(path.join(peer.dataDir, file));
    if (bytes.includes(Buffer.from(key))) found.push(`${file}: hex`);
    if (bytes.includes(Buffer.from(key, 'hex'))) found.push(`${file}: raw`);
  }
  return found;
}

describe('bus: friends are named by peer tags at rest', function () {
  this.timeout(30_000);

  it('leaves no friend key in either SQLite file after queueing, delivering and refusing over a real session', async () => {
    const alice = await createTestPeer();
    const bob = await createTestPeer();
    try {
      const aliceSessions = busProviders(alice.engine, () => undefined).sessions!(alice.scope('chat', ['chat.text', 'chat.read'])) as Sessions;
      const bobKinds = busProviders(bob.engine, () => undefined).kinds!(bob.scope('chat', ['chat.text', 'chat.read'])) as KindRegistry;
      const bobSessions = busProviders(bob.engine, () => undefined).sessions!(bob.scope('chat', ['chat.text', 'chat.read'])) as Sessions;
      const got: number[] = [];
      bobKinds.register('chat.text', (event) => void got.push(event.header.n as number));
      const delivered: number[] = [];
      const refused: number[] = [];
      aliceSessions.onDidDeliver((r) => void delivered.push(r.seq));
      aliceSessions.onDidNack((r) => void refused.push(r.seq));
      const stream = 'a1'.repeat(16);
      for (let n = 0; n < 20; n++) await aliceSessions.send(bob.keys.masterPublicKey, stream, 'chat.text', { n });
      await aliceSessions.send(bob.keys.masterPublicKey, 'a2'.repeat(16), 'chat.read', { n: 0 }); // no handler at Bob: refused
      await bobSessions.send(alice.keys.masterPublicKey, 'b1'.repeat(16), 'chat.text', { n: 0 }); // queued at Bob, kept
      expect(leaks(alice, bob.keys.masterPublicKey)).to.deep.equal([]);
      const pair = await linkPair(alice, bob);
      await until(() => delivered.length === 20 && refused.length === 1, 10_000, 'deliveries and the refusal');
      expect(got).to.deep.equal([...Array(20).keys()]);
      await pair.close();
      expect(leaks(alice, bob.keys.masterPublicKey)).to.deep.equal([]);
      expect(leaks(bob, alice.keys.masterPublicKey)).to.deep.equal([]);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('converts rows written in clear by an older version when the persona becomes active', async () => {
    const first = await createTestPeer();
    const friend = 'f3'.repeat(32);
    const persona = first.keys.masterPublicKey;
    const { sqlite } = first.database;
    // What an older version left: keys in clear, and no mark that this persona was converted.
    sqlite.prepare('DELETE FROM bus_tagged_personas').run();
    sqlite.prepare(`INSERT INTO bus_outbound (persona, peer, stream, seq, kind, flags, priority, extension_id, event_id, sealed, state, enqueued_at)
      VALUES (?, ?, 's', 1, 'chat.text', 4, 1, 'chat', 'e', x'00', 'pending', 0)`).run(persona, friend);
    sqlite.prepare('INSERT INTO bus_out_streams (persona, peer, stream, next_seq) VALUES (?, ?, ?, 2)').run(persona, friend, 's');
    sqlite.prepare('INSERT INTO bus_in_streams (persona, peer, stream, hwm) VALUES (?, ?, ?, 7)').run(persona, friend, 'r');
    sqlite.prepare(`INSERT INTO bus_in_refusals (persona, peer, stream, seq, reason, message, refused_at) VALUES (?, ?, 'r', 7, 'kind-disabled', 'm', 0)`).run(persona, friend);
    expect(leaks(first, friend)).to.not.deep.equal([]); // the probe sees clear keys
    await first.close(false);

    const again = await createTestPeer({ keys: first.keys, dataDir: first.dataDir });
    try {
      expect(leaks(again, friend)).to.deep.equal([]);
      // The converted rows are still found by key.
      expect(again.engine.store.count(persona, friend)).to.equal(1);
      expect(again.engine.marks.get(persona, friend, 'r')).to.equal(7);
      expect(again.engine.marks.refusals(persona, friend, 'r').map((r) => r.seq)).to.deep.equal([7]);
    } finally {
      await again.close();
    }
  });
});
