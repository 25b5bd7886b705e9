import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ExtensionContext, Friends } from '@kith/sdk';
import type { ExtensionScope } from '../../src/core/area.js';
import type { ActivePersona } from '../../src/core/persona-gate.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { PersonaRegistry } from '../../src/identity/persona-registry.js';
import { FriendTable, activeFriends } from '../../src/identity/friend-store.js';
import { identityProviders } from '../../src/identity/context-providers.js';

const QUICK = { m: 1024, t: 1, p: 1 };

function scopeFor(persona: ActivePersona, id = 'calls', permissions: readonly string[] = ['friends.manage']): ExtensionScope {
  return {
    extension: { id, version: '1.0.0', builtin: true, root: '/' },
    manifest: { permissions } as unknown as ExtensionScope['manifest'],
    persona,
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    track: (r) => r,
    fault() {},
  };
}

async function code(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('identity providers: friends, keys.friendKey, sealing', () => {
  let dir: string;
  let database: Database;
  let registry: PersonaRegistry;
  let table: FriendTable;
  let alice: ActivePersona;
  let bob: ActivePersona;
  let ctx: (persona: ActivePersona, id?: string, permissions?: readonly string[]) => Pick<ExtensionContext, 'friends' | 'keys' | 'sealing'>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-providers-'));
    database = await openDatabase(dir);
    registry = new PersonaRegistry(dir, { kdf: QUICK });
    await registry.create({ label: 'Alice', passphrase: 'a' });
    await registry.create({ label: 'Bob', passphrase: 'b' });
    alice = registry.unlocked('alice')!;
    bob = registry.unlocked('bob')!;
    table = new FriendTable(database.db);
    const providers = identityProviders(database, table);
    ctx = (persona, id, permissions) => {
      const scope = scopeFor(persona, id, permissions);
      return { friends: providers.friends!(scope), keys: providers.keys!(scope), sealing: providers.sealing!(scope) };
    };
  });
  after(async () => {
    registry.dispose();
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const card = (of: ActivePersona, forFriend: ActivePersona, friends: Friends) => ({
    peer: of.info.masterPublicKey,
    peerId: of.info.peerId,
    label: of.info.label,
    x25519PublicKey: friends.ownX25519PublicKeyFor(forFriend.info.masterPublicKey),
  });

  it('ownX25519PublicKeyFor is deterministic per friend and differs between friends', () => {
    const f = ctx(alice).friends;
    const forBob = f.ownX25519PublicKeyFor(bob.info.masterPublicKey);
    expect(forBob).to.match(/^[0-9a-f]{64}$/);
    expect(f.ownX25519PublicKeyFor(bob.info.masterPublicKey)).to.equal(forBob);
    expect(f.ownX25519PublicKeyFor('c'.repeat(64))).to.not.equal(forBob);
    expect(forBob).to.not.equal(bytesToHex(alice.x25519.publicKey));
  });

  it('saves friends idempotently by peer, per persona, with change events for that persona only', async () => {
    const a = ctx(alice).friends;
    const b = ctx(bob).friends;
    const aliceEvents: unknown[] = [];
    const bobEvents: unknown[] = [];
    const subs = [a.onDidChange((e) => aliceEvents.push(e)), b.onDidChange((e) => bobEvents.push(e))];
    const first = await a.save(card(bob, alice, b));
    const again = await a.save({ ...card(bob, alice, b), peerId: 'new-peer-id', label: 'ignored on re-save' });
    expect(again.id).to.equal(first.id);
    expect(again.lastPeerId).to.equal('new-peer-id');
    expect(again.label).to.equal('Bob');
    expect(again.autoConnect).to.equal(false);
    expect(await a.list()).to.have.length(1);
    expect(await b.list()).to.have.length(0);
    const renamed = await a.update(bob.info.masterPublicKey, { label: 'Bobby', verified: true, autoConnect: true });
    expect(renamed).to.include({ label: 'Bobby', verified: true, autoConnect: true });
    expect(aliceEvents).to.deep.equal([
      { peer: bob.info.masterPublicKey, change: 'saved' },
      { peer: bob.info.masterPublicKey, change: 'saved' },
      { peer: bob.info.masterPublicKey, change: 'updated' },
    ]);
    expect(bobEvents).to.deep.equal([]);
    expect(await code(a.update('d'.repeat(64), { label: 'x' }))).to.equal('KITH_ERR_NOT_FOUND');
    expect(await code(a.save({ ...card(bob, alice, b), x25519PublicKey: 'zz' }))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await code(a.save(card(alice, alice, a)))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await code(a.get('not-hex'))).to.equal('KITH_ERR_BAD_REQUEST');
    subs.forEach((s) => s.dispose());
  });

  it('friends: save, update and remove need the permission friends.manage; reading needs none', async () => {
    const a = ctx(alice);
    const reader = ctx(alice, 'reader', []);
    await a.friends.save(card(bob, alice, ctx(bob).friends));
    const peer = bob.info.masterPublicKey;
    await a.friends.update(peer, { verified: false });
    expect((await reader.friends.list()).map((f) => f.peer)).to.deep.equal([peer]);
    expect((await reader.friends.get(peer))?.label).to.equal((await a.friends.get(peer))?.label);
    expect(reader.friends.ownX25519PublicKeyFor(peer)).to.equal(a.friends.ownX25519PublicKeyFor(peer));
    expect(await code(reader.friends.save(card(bob, alice, ctx(bob).friends)))).to.equal('KITH_ERR_FORBIDDEN');
    expect(await code(reader.friends.update(peer, { verified: true }))).to.equal('KITH_ERR_FORBIDDEN');
    expect(await code(reader.friends.remove(peer))).to.equal('KITH_ERR_FORBIDDEN');
    // Nothing changed: still one friend, still unverified.
    expect((await a.friends.list()).map((f) => [f.peer, f.verified])).to.deep.equal([[peer, false]]);
    // With the permission the same calls go through (the next tests expect bob verified).
    expect((await a.friends.update(peer, { verified: true })).verified).to.equal(true);
  });

  it('keys.friendKey: both friends derive the same key; it differs per info, salt and extension', async () => {
    const a = ctx(alice);
    const b = ctx(bob);
    await b.friends.save(card(alice, bob, a.friends));
    const salt = new Uint8Array([1, 2, 3]);
    const ab = await a.keys.friendKey(bob.info.masterPublicKey, 'call:1', salt);
    const ba = await b.keys.friendKey(alice.info.masterPublicKey, 'call:1', salt);
    expect(ab).to.have.length(32);
    expect(bytesToHex(ab)).to.equal(bytesToHex(ba));
    expect(bytesToHex(await a.keys.friendKey(bob.info.masterPublicKey, 'call:2', salt))).to.not.equal(bytesToHex(ab));
    expect(bytesToHex(await a.keys.friendKey(bob.info.masterPublicKey, 'call:1'))).to.not.equal(bytesToHex(ab));
    expect(bytesToHex(await ctx(alice, 'other').keys.friendKey(bob.info.masterPublicKey, 'call:1', salt))).to.not.equal(bytesToHex(ab));
    expect(await code(a.keys.friendKey('e'.repeat(64), 'x'))).to.equal('KITH_ERR_NOT_FOUND');
  });

  it('identity.friends follows the active persona and answers KITH_ERR_LOCKED while locked', async () => {
    const active = activeFriends(table, registry);
    registry.select('alice');
    expect((await active.list()).map((f) => f.peer)).to.deep.equal([bob.info.masterPublicKey]);
    registry.select('bob');
    expect((await active.list()).map((f) => f.peer)).to.deep.equal([alice.info.masterPublicKey]);
  });

  it('sealing.tag: stable per extension and persona, unrelated across either, bounded', async () => {
    const peer = bob.info.masterPublicKey;
    const tag = ctx(alice).sealing.tag(peer);
    expect(tag).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(ctx(alice).sealing.tag(peer)).to.equal(tag);
    expect(ctx(alice).sealing.tag(new TextEncoder().encode(peer))).to.equal(tag);
    expect(ctx(alice, 'other').sealing.tag(peer)).to.not.equal(tag);
    expect(ctx(bob).sealing.tag(peer)).to.not.equal(tag);
    expect(ctx(alice).sealing.tag(`${peer}0`)).to.not.equal(tag);
    expect(await code(() => ctx(alice).sealing.tag('x'.repeat(64 * 1024 + 1)))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await code(() => ctx(alice).sealing.tag(42 as unknown as string))).to.equal('KITH_ERR_BAD_REQUEST');
  });

  it('sealing: per-persona keys, versioned prefix, refused after lock', async () => {
    const a = ctx(alice).sealing;
    const b = ctx(bob).sealing;
    const sealed = a.sealText('meet at noon');
    expect(sealed.startsWith('kith:seal:v1:')).to.equal(true);
    expect(a.openText(sealed)).to.equal('meet at noon');
    expect(await code(() => b.openText(sealed))).to.equal('KITH_ERR_SEAL_INVALID');
    const bytes = a.sealBytes(new Uint8Array([9, 8, 7]));
    expect([...a.openBytes(bytes)]).to.deep.equal([9, 8, 7]);
    const friends = activeFriends(table, registry);
    registry.lock();
    expect(await code(() => a.sealText('x'))).to.equal('KITH_ERR_LOCKED');
    expect(await code(() => a.tag('x'))).to.equal('KITH_ERR_LOCKED');
    expect(await code(friends.list())).to.equal('KITH_ERR_LOCKED');
  });

  it('remove deletes the friend and fires removed', async () => {
    const events: unknown[] = [];
    await registry.unlock('alice', 'a'); // the previous test locked: a friend is found by a keyed hash
    alice = registry.unlocked('alice')!;
    const sub = table.onDidChange((e) => events.push(e));
    await table.remove(alice, bob.info.masterPublicKey);
    await table.remove(alice, bob.info.masterPublicKey);
    sub.dispose();
    expect(events).to.deep.equal([{ persona: alice.info.masterPublicKey, peer: bob.info.masterPublicKey, change: 'removed' }]);
    expect(await table.list(alice)).to.deep.equal([]);
  });
});
