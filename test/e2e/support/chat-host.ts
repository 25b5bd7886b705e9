/**
 * A real host (real HTTP, SQLite file, UDP) with the built-in extensions, started in this process
 * straight from host/src, with a persona created or unlocked through its HTTP API. It lives under
 * test/ because the kill -9 test needs the host's internals (its SQLite handle, its bus queue),
 * which an extension's own tests may not import.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../host/src/config.js';
import { createLogger } from '../../../host/src/log.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../../host/src/host.js';

export interface PersonaLogin {
  readonly slug: string;
  readonly passphrase: string;
}

export interface ChatHost {
  readonly host: RunningHost;
  readonly persona: PersonaLogin;
  /** Hex master public key of the active persona. */
  readonly key: string;
  /** Call `/api<route>`; a non-2xx answer throws. */
  call(method: string, route: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

/** Start a host on `dataDir`; create the persona when `login` is absent, else unlock it. */
export async function startChatHost(dataDir: string, login?: PersonaLogin): Promise<ChatHost> {
  const host = await startHost({
    config: loadConfig({}, { port: 0, dataDir, logLevel: 'silent', noBrowser: true, stunServers: [], lanPort: false }),
    log: createLogger('silent'),
    extensions: { builtinDir: DEFAULT_BUILTIN_DIR },
  });
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const persona = login ?? { slug: `p-${randomBytes(3).toString('hex')}`, passphrase: randomBytes(12).toString('base64url') };
  if (!login) await call('POST', '/personas', { slug: persona.slug, label: persona.slug, passphrase: persona.passphrase });
  await call('POST', '/identity/unlock', { slug: persona.slug, passphrase: persona.passphrase, set_active: true });
  await host.areas.extensions.manager.settled();
  return { host, persona, key: host.areas.identity.gate.active!.info.masterPublicKey, call, close: () => host.close() };
}

/** The card `of` gives `to` (its X25519 key made for that friend). */
export function friendCard(of: ChatHost, to: string, label: string) {
  const info = of.host.areas.identity.gate.active!.info;
  return { peer: info.masterPublicKey, peerId: info.peerId, label, x25519PublicKey: of.host.areas.identity.friends.ownX25519PublicKeyFor(to) };
}
