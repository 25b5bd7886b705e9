/**
 * A whole Kith host inside the test process, for white-box tests and benchmarks that reach into
 * its areas (bus engine, identity gate). Extension authors use `@kith/sdk/testing` instead, which
 * runs the real program in a child process; this one keeps the same request surface (`name`,
 * `persona`, `request`), so the kit's `befriend` and `connect` drive it too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ApiAnswer, TestPersona } from '@kith/sdk/testing';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_BUILTIN_DIR, startHost, type RunningHost } from '../../../src/host.js';
import { createLogger } from '../../../src/log.js';
import { installExtension } from '@kith/sdk/testing';

export interface InProcessHostOptions {
  /** A name for messages and the default persona label. Default: `host`. */
  readonly name?: string;
  /** Extension folders to install as user extensions (copied into `KITH_DATA/extensions/`). */
  readonly extensions?: readonly string[];
  /** Also load the repository's built-in extensions. Default: false. */
  readonly builtin?: boolean;
  /** Use this data dir (kept on close); default: a fresh temp dir, removed on close. */
  readonly dataDir?: string;
  /** pino level for the host's log. Default: `KITH_LOG` or `silent`. */
  readonly logLevel?: string;
}

export interface InProcessHost {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dataDir: string;
  /** The running host, for assertions about its state. */
  readonly host: RunningHost;
  /** The persona last created or unlocked here. */
  readonly persona: TestPersona | undefined;
  /** `fetch` against the host with the launch secret; `path` includes `/api`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request below `/api`; never throws for a status. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** JSON request below `/api`; throws for a status outside 2xx. */
  request<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  createPersona(label?: string): Promise<TestPersona>;
  unlock(persona: TestPersona): Promise<void>;
  lock(): Promise<void>;
  close(): Promise<void>;
}

/** Start a host in this process with `options.extensions` installed into a temp data dir, on a free port. */
export async function startInProcessHost(options: InProcessHostOptions = {}): Promise<InProcessHost> {
  const name = options.name ?? 'host';
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-in-process-'));
  for (const folder of options.extensions ?? []) installExtension(folder, path.join(dataDir, 'extensions'));
  const logLevel = options.logLevel ?? process.env.KITH_LOG ?? 'silent';
  let host: RunningHost;
  try {
    host = await startHost({
      config: loadConfig({}, { port: 0, dataDir, logLevel, noBrowser: true, stunServers: [] }),
      log: createLogger(logLevel),
      // In this process, as built-ins run: these tests reach into the extension (globals, pids);
      // third-party extensions in their own process have their own tests (test/isolation).
      extensions: { isolation: 'in-process', ...(options.builtin ? { builtinDir: DEFAULT_BUILTIN_DIR } : {}) },
    });
  } catch (error) {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const call = async <T>(method: string, route: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const res = await host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const request = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const answer = await call<T>(method, route, body);
    if (answer.status < 200 || answer.status >= 300) throw new Error(`${name}: ${method} /api${route} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  let persona: TestPersona | undefined;
  const unlock = async (p: TestPersona) => {
    await request('POST', '/identity/unlock', { slug: p.slug, passphrase: p.passphrase, set_active: true });
    persona = p;
    await host.areas.extensions.manager.settled();
  };

  return {
    name,
    url: host.url,
    dataDir,
    host,
    get persona() {
      return persona;
    },
    fetch: (route, init) => host.fetch(route, init),
    call,
    request,
    async createPersona(label = name) {
      const slug = `t-${randomBytes(4).toString('hex')}`;
      const passphrase = randomBytes(18).toString('base64url');
      const created = await request<{ mnemonic?: unknown }>('POST', '/personas', { slug, label, passphrase });
      if (typeof created?.mnemonic !== 'string') throw new Error('POST /api/personas did not return the mnemonic');
      const listed = await request<any>('GET', '/personas');
      const mine = (Array.isArray(listed) ? listed : listed.personas).find((p: { slug: string }) => p.slug === slug);
      const made: TestPersona = { slug, label, mnemonic: created.mnemonic, passphrase, key: mine.master_pubkey, peerId: mine.peer_id };
      await unlock(made);
      return made;
    },
    unlock,
    async lock() {
      await request('POST', '/identity/lock');
      persona = undefined;
      await host.areas.extensions.manager.settled();
    },
    async close() {
      await host.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
