/**
 * The social graph is not readable from the database file: after a real host saved friends, the
 * raw bytes of kith.sqlite, -wal and -shm contain no friend label, master key (hex or raw), peer
 * id or X25519 key; friends saved in clear by an older version are sealed at the next unlock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { expect } from 'chai';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';

const PASSPHRASE = 'friends at rest test passphrase';

function rawBytes(dataDir: string): Buffer {
  return Buffer.concat(fs.readdirSync(dataDir).filter((f) => f.startsWith('kith.sqlite')).map((f) => fs.readFileSync(path.join(dataDir, f))));
}

function randomFriend(label: string) {
  const peer = randomBytes(32).toString('hex');
  return { peer, peerId: randomBytes(16).toString('hex'), label, x25519PublicKey: randomBytes(32).toString('hex') };
}

/** Every way a friend could show up in the file. */
function traces(friend: ReturnType<typeof randomFriend>): Buffer[] {
  return [friend.label, friend.peer, friend.peerId, friend.x25519PublicKey].map((s) => Buffer.from(s)).concat(Buffer.from(friend.peer, 'hex'));
}

describe('identity: friends sealed at rest', function () {
  this.timeout(60_000);
  let dataDir: string;
  let host: RunningHost | undefined;

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-friends-rest-'));
  });
  after(async () => {
    await host?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (create: boolean) => {
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
      log: createLogger('silent'),
      extensions: { builtinDir: path.join(dataDir, 'no-extensions') },
    });
    const call = (route: string, body: unknown) => host!.fetch(`/api${route}`, { method: 'POST', body: JSON.stringify(body) });
    if (create) expect((await call('/personas', { slug: 'rest', label: 'Rest', passphrase: PASSPHRASE })).status).to.equal(201);
    expect((await call('/identity/unlock', { slug: 'rest', passphrase: PASSPHRASE, set_active: true })).status).to.equal(200);
    return host.areas.identity;
  };
  const stop = async () => {
    await host!.close();
    host = undefined;
  };

  it('keeps no label, master key, peer id or X25519 key of a friend in the file', async () => {
    const identity = await start(true);
    const friend = randomFriend(`Zanzibar canary ${randomBytes(4).toString('hex')}`);
    await identity.friends.save(friend);
    await identity.friends.update(friend.peer, { label: `${friend.label} renamed`, verified: true });
    const got = await identity.friends.get(friend.peer);
    expect(got).to.include({ peer: friend.peer, label: `${friend.label} renamed`, lastPeerId: friend.peerId, verified: true });
    expect((await identity.friends.list()).map((f) => f.peer)).to.deep.equal([friend.peer]);
    for (const needle of traces(friend)) expect(rawBytes(dataDir).includes(needle), `while running: ${needle.toString('hex')}`).to.equal(false);
    await stop();
    for (const needle of traces(friend)) expect(rawBytes(dataDir).includes(needle), `after stop: ${needle.toString('hex')}`).to.equal(false);
  });

  it('seals a friend an older version stored in clear at the next unlock', async () => {
    const persona = JSON.parse(fs.readFileSync(path.join(dataDir, 'identities', 'rest', 'profile.json'), 'utf8')).master_pubkey as string;
    const legacy = randomFriend(`Legacy canary ${randomBytes(4).toString('hex')}`);
    const db = new Sqlite(path.join(dataDir, 'kith.sqlite'));
    db.prepare(
      `INSERT INTO friends (persona, peer_tag, label, last_peer_id, x25519_public_key, verified, auto_connect, added_at, updated_at, sealed)
       VALUES (?, ?, ?, ?, ?, 1, 0, 1, 1, NULL)`,
    ).run(persona, legacy.peer, legacy.label, legacy.peerId, legacy.x25519PublicKey);
    db.close();
    expect(rawBytes(dataDir).includes(Buffer.from(legacy.label))).to.equal(true); // the probe does see clear text

    const identity = await start(false);
    expect(await identity.friends.get(legacy.peer)).to.include({ peer: legacy.peer, label: legacy.label, lastPeerId: legacy.peerId, x25519PublicKey: legacy.x25519PublicKey });
    expect(await identity.friends.list()).to.have.length(2);
    await stop();
    for (const needle of traces(legacy)) expect(rawBytes(dataDir).includes(needle), needle.toString('hex')).to.equal(false);
  });
});
