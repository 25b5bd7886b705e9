import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startHost, type RunningHost } from '../../src/host.js';

interface FriendsLike {
  save(card: unknown): Promise<unknown>;
  ownX25519PublicKeyFor(peer: string): string;
}

/** A real host on loopback with an unlocked persona made through the identity HTTP API. */
export interface TestHost {
  readonly host: RunningHost;
  readonly peer: string;
  readonly peerId: string;
  close(): Promise<void>;
}

/** `options.builtins`: the built-in extensions folder to run, made in the host's data folder (default: none). */
export async function startTestHost(label: string, options: { builtins?: (dataDir: string) => string } = {}): Promise<TestHost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kith-net-${label}-`));
  // No LAN beacons for loopback tests.
  const host: RunningHost = await startHost({
    config: loadConfig({}, { port: 0, dataDir, noBrowser: true, stunServers: ['127.0.0.1:9'], lanPort: false }),
    log: createLogger('silent'),
    extensions: { builtinDir: options.builtins?.(dataDir) ?? path.join(dataDir, 'no-extensions') },
  });
  const passphrase = `net test passphrase ${label}`;
  const created = await host.fetch('/api/personas', { method: 'POST', body: JSON.stringify({ slug: label, label, passphrase }) });
  if (created.status !== 201) throw new Error(`create persona: ${created.status} ${await created.text()}`);
  const unlocked = await host.fetch('/api/identity/unlock', { method: 'POST', body: JSON.stringify({ slug: label, passphrase, set_active: true }) });
  if (unlocked.status !== 200) throw new Error(`unlock: ${unlocked.status} ${await unlocked.text()}`);
  const persona = host.areas.identity.gate.active!;
  return {
    host,
    peer: persona.info.masterPublicKey,
    peerId: persona.info.peerId,
    async close() {
      await host.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function friendsOf(host: RunningHost): FriendsLike {
  return (host.areas.identity as unknown as { friends: FriendsLike }).friends;
}

export async function befriendHosts(x: TestHost, y: TestHost): Promise<void> {
  const card = (of: TestHost, forPeer: string) => ({
    peer: of.peer, peerId: of.peerId, label: of.peerId, x25519PublicKey: friendsOf(of.host).ownX25519PublicKeyFor(forPeer),
  });
  await friendsOf(x.host).save(card(y, x.peer));
  await friendsOf(y.host).save(card(x, y.peer));
}
