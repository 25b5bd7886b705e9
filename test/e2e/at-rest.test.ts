/**
 * The social graph at rest: two real Kith programs (the SDK test kit, real rendezvous, UDP, SQLite)
 * pair, chat both ways with reads and edits, and stop. Then every byte of every file in each data
 * dir (`kith.sqlite`, `-wal`, `-shm`, the vault, everything else) is searched for what would tell
 * a local reader whom the persona knows: the friend's master key (hex, base64, base64url, raw),
 * peer id, X25519 key, the label the friend was saved under and the friend's UDP endpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import {
  befriend, connect, eventually, startTestHost, startTestRendezvous,
  type TestHost, type TestRendezvous,
} from '@kith/sdk/testing';

/** What a host knows about its friend, in every form it could be written. */
interface FriendFacts {
  readonly name: string;
  readonly needles: ReadonlyArray<{ readonly what: string; readonly bytes: Buffer }>;
}

function keyForms(what: string, hex: string): Array<{ what: string; bytes: Buffer }> {
  const raw = Buffer.from(hex, 'hex');
  return [
    { what: `${what} (hex)`, bytes: Buffer.from(hex.toLowerCase()) },
    { what: `${what} (HEX)`, bytes: Buffer.from(hex.toUpperCase()) },
    { what: `${what} (base64)`, bytes: Buffer.from(raw.toString('base64').replace(/=+$/, '')) },
    { what: `${what} (base64url)`, bytes: Buffer.from(raw.toString('base64url')) },
    { what: `${what} (raw bytes)`, bytes: raw },
  ];
}

/** Every address a loopback session could have used, with the friend's UDP port. */
function endpointForms(port: number): Array<{ what: string; bytes: Buffer }> {
  const addresses = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1', 'localhost']);
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) addresses.add(a.address);
  return [...addresses].flatMap((address) => [`${address}:${port}`, `[${address}]:${port}`].map((text) => ({ what: `endpoint ${text}`, bytes: Buffer.from(text) })));
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

describe('e2e: a stopped host\'s files do not show whom its persona knows', function () {
  this.timeout(240_000);
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let dirs: string[] = [];
  const facts = new Map<TestHost, FriendFacts>();

  before(async () => {
    rendezvous = await startTestRendezvous();
    const tag = randomBytes(4).toString('hex');
    dirs = ['alice', 'bob'].map((n) => fs.mkdtempSync(path.join(os.tmpdir(), `kith-at-rest-${n}-`)));
    [alice, bob] = await Promise.all([
      startTestHost({ name: `Alice${tag}`, dataDir: dirs[0] }),
      startTestHost({ name: `Bob${tag}`, dataDir: dirs[1] }),
    ]);
    await Promise.all([alice.createPersona(), bob.createPersona()]);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const messages = async (host: TestHost, peer: string) =>
    (await host.request<{ messages: any[] }>('GET', `/sessions/${peer}/messages?limit=200`)).messages;

  it('pairs, chats both ways with reads and edits', async () => {
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
    const [a, b] = [alice.persona!, bob.persona!];

    for (let i = 0; i < 3; i++) await alice.request('POST', `/sessions/${b.key}/messages`, { body: `hello bob ${i}` });
    for (let i = 0; i < 2; i++) await bob.request('POST', `/sessions/${a.key}/messages`, { body: `hello alice ${i}` });
    const atBob = await eventually('Alice\'s messages at Bob', async () => {
      const list = await messages(bob, a.key);
      return list.filter((m) => !m.from_me).length === 3 ? list : undefined;
    });
    const atAlice = await eventually('Bob\'s messages at Alice', async () => {
      const list = await messages(alice, b.key);
      return list.filter((m) => !m.from_me).length === 2 ? list : undefined;
    });
    const lastFromAlice = atBob.filter((m) => !m.from_me).at(-1);
    await bob.request('POST', `/friends/${a.key}/messages/${lastFromAlice.id}/read`);
    await alice.request('POST', `/friends/${b.key}/messages/${atAlice.filter((m) => !m.from_me).at(-1).id}/read`);
    await alice.request('POST', `/chat_messages/${atAlice.find((m) => m.from_me).id}`, { body: 'hello bob, edited' });
    await eventually('the read receipt and the edit arrive', async () => {
      const [mine, theirs] = [await messages(alice, b.key), await messages(bob, a.key)];
      return mine.some((m) => m.from_me && m.state === 'read') && theirs.some((m) => m.body === 'hello bob, edited');
    });
    const conversations = await alice.request<any[]>('GET', '/conversations');
    expect(conversations.map((c) => c.peer)).to.include(b.key);
    expect(conversations.find((c) => c.peer === b.key).label).to.equal(bob.persona!.label);

    for (const [host, friend] of [[alice, bob], [bob, alice]] as const) {
      const friends = await host.request<any[]>('GET', '/friends');
      const saved = friends.find((f) => f.master_pubkey === friend.persona!.key);
      expect(saved, `${host.name} saved ${friend.name}`).to.not.equal(undefined);
      const { udp_port: port } = await friend.request<{ udp_port: number }>('GET', '/diagnostics/net');
      expect(port).to.be.a('number');
      facts.set(host, {
        name: friend.name,
        needles: [
          ...keyForms('master key', friend.persona!.key),
          ...keyForms('X25519 key', saved.friend_x25519_pubkey),
          { what: 'peer id', bytes: Buffer.from(friend.persona!.peerId) },
          ...(saved.last_peer_id ? [{ what: 'last peer id', bytes: Buffer.from(saved.last_peer_id) }] : []),
          { what: 'label', bytes: Buffer.from(saved.label) },
          ...endpointForms(port),
        ],
      });
    }
  });

  it('after stopping, no file in either data dir holds the friend\'s key, peer id, X25519 key, label or endpoint', async () => {
    expect(facts.size, 'the chat step ran').to.equal(2);
    await Promise.all([alice.close(), bob.close()]);
    const found: string[] = [];
    for (const host of [alice, bob]) {
      const files = filesUnder(host.dataDir);
      expect(files.map((f) => path.basename(f))).to.include.members(['kith.sqlite']);
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of facts.get(host)!.needles) {
          if (bytes.includes(needle.bytes)) found.push(`${host.name}: ${path.relative(host.dataDir, file)} holds ${facts.get(host)!.name}'s ${needle.what}`);
        }
      }
    }
    expect(found, found.join('\n')).to.deep.equal([]);
  });

  /** Every needle of `host`'s friend found in its data dir. */
  const leaks = (host: TestHost) => {
    const found: string[] = [];
    for (const file of filesUnder(host.dataDir)) {
      const bytes = fs.readFileSync(file);
      for (const needle of facts.get(host)!.needles) if (bytes.includes(needle.bytes)) found.push(`${path.relative(host.dataDir, file)}: ${needle.what}`);
    }
    return found;
  };

  it('rows an older version wrote with the key in clear are converted when the persona next unlocks', async () => {
    expect(facts.size, 'the chat step ran').to.equal(2);
    const [me, friend] = [alice.persona!, bob.persona!];
    // Put Alice's rows back the way chat and pairing stored them before: the friend's key in clear.
    const file = new Database(path.join(alice.dataDir, 'kith.sqlite'));
    file.prepare('UPDATE ext_chat__messages SET conversation = ? WHERE persona = ? AND conversation != ?').run(friend.key, me.key, 'self');
    file.prepare('DELETE FROM ext_chat__conversations WHERE persona = ?').run(me.key);
    file.prepare('INSERT INTO ext_pairing__pending_removals (persona, peer, event_id, requested_at) VALUES (?, ?, ?, ?)')
      .run(me.key, friend.key, randomBytes(16).toString('hex'), Date.now());
    file.close();
    expect(leaks(alice).filter((l) => l.includes('master key (hex)'))).to.not.deep.equal([]);

    const again = await startTestHost({ name: alice.name, dataDir: alice.dataDir });
    try {
      await again.unlock(me);
      const history = (await again.request<{ messages: any[] }>('GET', `/sessions/${friend.key}/messages?limit=200`)).messages;
      expect(history.map((m) => m.body)).to.include.members(['hello bob, edited', 'hello alice 0', 'hello alice 1']);
      expect(history.every((m) => m.peer === friend.key)).to.equal(true);
      const conversations = await again.request<any[]>('GET', '/conversations');
      expect(conversations.map((c) => c.peer)).to.include(friend.key);
      const friends = await again.request<any[]>('GET', '/friends');
      expect(friends.find((f) => f.master_pubkey === friend.key)?.removing).to.equal(true);
    } finally {
      await again.close();
    }
    expect(leaks(alice)).to.deep.equal([]);
  });
});
