/**
 * `@kith/sdk/testing`: test an extension against a real Kith host: real HTTP, a real SQLite file
 * in a temp data dir, real persona creation and unlock. Only tests import this; the extension
 * itself never does (it is the one SDK module that reaches into the host).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../host/src/config.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../../host/src/host.js';
import { createLogger } from '../../../host/src/log.js';

export interface TestHostOptions {
  /** Extension folders to install as user extensions (copied into `KITH_DATA/extensions/`). */
  readonly extensions: readonly string[];
  /** Also load the repository's built-in extensions. Default: false. */
  readonly builtin?: boolean;
  /** Use this data dir (kept on close); default: a fresh temp dir, removed on close. */
  readonly dataDir?: string;
  /** pino level for the host's log. Default: `KITH_LOG` or `silent`. */
  readonly logLevel?: string;
}

/** A persona the test host created and unlocked. */
export interface TestPersona {
  readonly slug: string;
  readonly label: string;
  /** The 24-word recovery phrase (returned once at creation). */
  readonly mnemonic: string;
  readonly passphrase: string;
}

export interface TestHost {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dataDir: string;
  /** The running host, for assertions about its state. */
  readonly host: RunningHost;
  /** `fetch` against the host with the launch secret; `path` includes `/api`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Create a persona through `POST /api/personas`, unlock it and make it active. */
  createPersona(label?: string): Promise<TestPersona>;
  /** Unlock `persona` and make it active (a persona switch); resolves once its extensions run. */
  unlock(persona: TestPersona): Promise<void>;
  /** Lock Kith: every extension is deactivated. */
  lock(): Promise<void>;
  /** Stop the host and remove the temp data dir. */
  close(): Promise<void>;
}

/** Start a host with `options.extensions` installed into a temp data dir, on a free port. */
export async function startTestHost(options: TestHostOptions): Promise<TestHost> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-test-host-'));
  for (const folder of options.extensions) installExtension(folder, path.join(dataDir, 'extensions'));
  const logLevel = options.logLevel ?? process.env.KITH_LOG ?? 'silent';
  let host: RunningHost;
  try {
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel, noBrowser: true, stunServers: [] }),
      log: createLogger(logLevel),
      extensions: options.builtin ? { builtinDir: DEFAULT_BUILTIN_DIR } : {},
    });
  } catch (error) {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await host.fetch(route, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const settled = () => host.areas.extensions.manager.settled();
  const unlock = async (persona: TestPersona) => {
    await call('POST', '/api/identity/unlock', { slug: persona.slug, passphrase: persona.passphrase, set_active: true });
    await settled();
  };

  return {
    url: host.url,
    dataDir,
    host,
    fetch: (route, init) => host.fetch(route, init),
    async createPersona(label = 'Test persona') {
      const slug = `t-${randomBytes(4).toString('hex')}`;
      const passphrase = randomBytes(18).toString('base64url');
      const created = await call('POST', '/api/personas', { slug, label, passphrase });
      if (typeof created?.mnemonic !== 'string') throw new Error('POST /api/personas did not return the mnemonic');
      const persona: TestPersona = { slug, label, mnemonic: created.mnemonic, passphrase };
      await unlock(persona);
      return persona;
    },
    unlock,
    async lock() {
      await call('POST', '/api/identity/lock');
      await settled();
    },
    async close() {
      await host.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Copy an extension folder (without node_modules) to `<userDir>/<folder name>`. */
function installExtension(folder: string, userDir: string): void {
  const source = path.resolve(folder);
  if (!fs.existsSync(path.join(source, 'package.json'))) throw new Error(`${source} has no package.json: not an extension folder`);
  const target = path.join(userDir, path.basename(source));
  fs.mkdirSync(userDir, { recursive: true });
  fs.cpSync(source, target, {
    recursive: true,
    dereference: true,
    filter: (src) => !['node_modules', '.git'].includes(path.basename(src)),
  });
}
