import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { installExtension } from './install.js';
import { resolveProgram, startProgram, withBuiltinEntries, type ProgramOptions, type RunningProgram } from './program.js';
import { UiEventRecorder, type UiEventStream } from './ui-events.js';
import { openTestPage, type TestPage } from './test-page.js';

/** Options for {@link startTestHost}. */
export interface TestHostOptions extends ProgramOptions {
  /** A name for messages and the default persona label. Default: `host`. */
  readonly name?: string;
  /** Extension folders to install as user extensions (copied into `KITH_DATA/extensions/`). */
  readonly extensions?: readonly string[];
  /**
   * Keep Kith's built-in extensions (chat, pairing, ...) on for personas the kit creates.
   * Default: true. With false they are turned off for each new persona, so only `extensions` run.
   */
  readonly builtin?: boolean;
  /** Use this data dir (kept on close); default: a fresh temp dir, removed on close. */
  readonly dataDir?: string;
  /**
   * The host's log level (`KITH_LOG`: `trace`, `debug`, `info`, `warn`, `error`, `silent`).
   * Default: `KITH_LOG` or `silent`. Unless silent, the host's log lines (JSON, one per line) are
   * copied to the test's stderr, each after `[<name>] `.
   */
  readonly logLevel?: string;
  /** Extra environment for the program (e.g. `KITH_LAN_PORT: 'off'`). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long start-up may take. Default: 60 s. */
  readonly startTimeoutMs?: number;
  /**
   * Built-in extension id → a module file to load instead of that built-in's entry (it exports
   * the extension, usually the real one with its activate wrapped, e.g. a sender that tampers
   * with what it sends). Runs the checkout's program from source (see {@link withBuiltinEntries}).
   */
  readonly builtinEntries?: Readonly<Record<string, string>>;
}

/** A persona the test host created and unlocked. */
export interface TestPersona {
  readonly slug: string;
  readonly label: string;
  /** The 24-word recovery phrase (returned once at creation). */
  readonly mnemonic: string;
  readonly passphrase: string;
  /** The persona's master public key: its identity towards friends (hex). */
  readonly key: string;
  /** Its anonymous peer id. */
  readonly peerId: string;
}

/** The JSON answer of a request: status and parsed body. */
export interface ApiAnswer<T = any> {
  readonly status: number;
  readonly body: T;
}

/** A request answered with a status outside 2xx; carries the answer. */
export class TestRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: any,
  ) {
    super(message);
    this.name = 'TestRequestError';
  }

  /** The Kith error code of the answer (`KITH_ERR_...`), if any. */
  get code(): string | undefined {
    return this.body?.error?.code;
  }
}

/** A running Kith program driven over its HTTP API and page socket, as its own page would. */
export interface TestHost {
  readonly name: string;
  /** `http://127.0.0.1:<port>`; a new port after {@link restart}. */
  readonly url: string;
  readonly dataDir: string;
  /** The per-launch API secret (read from the page like the browser does); new after a restart. */
  readonly secret: string;
  /** The persona the kit last created or unlocked, if any; still set after {@link lock}. */
  readonly persona: TestPersona | undefined;
  /** Everything the page socket received, across restarts and lock/unlock (the kit connects again after each). */
  readonly events: UiEventStream;
  /** Connect another page (its own socket) to open page channels on; closed with the host. */
  openPage(): Promise<TestPage>;
  /** `fetch` with the launch secret and the page's Origin; `path` includes `/api`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request; `path` is below `/api` (e.g. `/extensions`). Never throws for a status. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>>;
  /** Like {@link call}, but throws a {@link TestRequestError} for a status outside 2xx. */
  request<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** Create a persona, unlock it and make it active; resolves once its extensions run. */
  createPersona(label?: string): Promise<TestPersona>;
  /** Unlock `persona` and make it active (a persona switch); resolves once its extensions run. */
  unlock(persona: TestPersona): Promise<void>;
  /** Lock Kith: every extension is deactivated. */
  lock(): Promise<void>;
  /**
   * Stop the program and start it again on the same data dir (also after {@link stop} or
   * {@link crash}); the active persona is unlocked again (unless the kit locked it).
   */
  restart(): Promise<void>;
  /**
   * Stop the program the way a user quits Kith, keeping its data dir: it closes its sessions, so
   * friends see it go at once (after {@link crash} they notice only at the idle timeout, 20 s).
   * {@link restart} starts it again; requests meanwhile reject with "<name> is stopped".
   */
  stop(): Promise<void>;
  /**
   * Kill the program and every process it started with SIGKILL (`kill -9`, a crash, a power cut):
   * nothing is flushed or closed. {@link restart} starts it again on the same data dir.
   */
  crash(): Promise<void>;
  /** Stop the program (and remove the data dir the kit created). */
  close(): Promise<void>;
}

const READY = /Kith is running at (http:\/\/\S+)/;
/** A page whose only job is to carry the launch secret (`<meta name="kith-secret">`). */
const STUB_PAGE = '<!doctype html><html><head><title>Kith test page</title></head><body></body></html>\n';

/** Start the real Kith program (see {@link resolveProgram}) with `options.extensions` installed. */
export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const program = options.builtinEntries ? withBuiltinEntries(options, options.builtinEntries) : resolveProgram(options);
  const name = options.name ?? 'host';
  const ownDir = options.dataDir === undefined;
  const dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `kith-test-${name.toLowerCase().replace(/[^a-z0-9]/g, '')}-`)));
  const pageDir = path.join(dataDir, '.test-page');
  fs.mkdirSync(pageDir, { recursive: true });
  fs.writeFileSync(path.join(pageDir, 'index.html'), STUB_PAGE);
  try {
    for (const folder of options.extensions ?? []) installExtension(folder, path.join(dataDir, 'extensions'));
  } catch (error) {
    // (A folder without package.json, say.) Nothing of this host is left behind.
    fs.rmSync(ownDir ? dataDir : pageDir, { recursive: true, force: true });
    throw error;
  }
  const env = {
    KITH_PORT: '0',
    KITH_DATA: dataDir,
    KITH_NO_BROWSER: '1',
    KITH_LOG: options.logLevel ?? process.env.KITH_LOG ?? 'silent',
    KITH_CLIENT_DIR: pageDir,
    ...options.env,
  };

  const events = new UiEventRecorder();
  const pages = new Set<TestPage>();
  const closePages = () => {
    for (const page of pages) page.close();
    pages.clear();
  };
  let running: RunningProgram | undefined;
  let url = '';
  let secret = '';
  let persona: TestPersona | undefined;
  /** Whether `persona` is unlocked now (lock() keeps `persona` but not this). */
  let unlocked = false;

  const boot = async () => {
    running = await startProgram(program, [], env, READY, options.startTimeoutMs, env.KITH_LOG === 'silent' ? undefined : `[${name}] `);
    url = running.url.replace(/\/$/, '');
    secret = await readSecret(url);
    await events.attach(url, secret);
  };

  const doFetch = (route: string, init: RequestInit = {}) => {
    if (!running) return Promise.reject(new Error(`${name} is stopped`));
    const headers = new Headers(init.headers);
    headers.set('x-kith-secret', secret);
    headers.set('origin', url);
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return fetch(`${url}${route}`, { ...init, headers });
  };
  const call = async <T>(method: string, route: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const res = await doFetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T };
  };
  const request = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const answer = await call<T>(method, route, body);
    if (answer.status < 200 || answer.status >= 300) {
      throw new TestRequestError(`${name}: ${method} /api${route} answered ${answer.status}: ${JSON.stringify(answer.body)}`, answer.status, answer.body);
    }
    return answer.body;
  };
  // The extensions list answers once the extension manager has settled on the new state.
  const settled = () => call('GET', '/extensions');
  const unlock = async (p: TestPersona) => {
    await request('POST', '/identity/unlock', { slug: p.slug, passphrase: p.passphrase, set_active: true });
    persona = p;
    unlocked = true;
    // Locking closed the page socket (as it does the page's): connect again, as a page does.
    if (running && !events.connected) await events.attach(url, secret);
    await settled();
  };

  try {
    await boot();
  } catch (error) {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  const host: TestHost = {
    name,
    get url() {
      return url;
    },
    dataDir,
    get secret() {
      return secret;
    },
    get persona() {
      return persona;
    },
    events,
    async openPage() {
      if (!running) throw new Error(`${name} is stopped`);
      const page = await openTestPage(url, secret);
      pages.add(page);
      return page;
    },
    fetch: doFetch,
    call,
    request,
    async createPersona(label = name) {
      const slug = `t-${randomBytes(4).toString('hex')}`;
      const passphrase = randomBytes(18).toString('base64url');
      const created = await request<{ mnemonic?: unknown }>('POST', '/personas', { slug, label, passphrase });
      if (typeof created?.mnemonic !== 'string') throw new Error(`${name}: POST /api/personas did not return the mnemonic`);
      const listed = await request<any>('GET', '/personas');
      const mine = (Array.isArray(listed) ? listed : listed.personas).find((p: { slug: string }) => p.slug === slug);
      const made: TestPersona = { slug, label, mnemonic: created.mnemonic, passphrase, key: mine.master_pubkey, peerId: mine.peer_id };
      await unlock(made);
      if (options.builtin === false) {
        const { extensions } = await request<{ extensions: Array<{ id: string; builtin: boolean; enabled: boolean }> }>('GET', '/extensions');
        for (const e of extensions) if (e.builtin && e.enabled) await request('POST', `/extensions/${e.id}`, { enabled: false });
      }
      return made;
    },
    unlock,
    async lock() {
      await request('POST', '/identity/lock');
      // `persona` stays (the last one created or unlocked), so `unlock(host.persona!)` works.
      unlocked = false;
    },
    async restart() {
      closePages();
      events.detach();
      await running?.stop();
      running = undefined;
      await boot();
      if (persona && unlocked) await unlock(persona);
    },
    async stop() {
      closePages();
      events.detach();
      await running?.stop();
      running = undefined;
    },
    async crash() {
      closePages();
      events.detach();
      await running?.kill();
      running = undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      closePages();
      events.detach();
      await running?.stop();
      running = undefined;
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
      else fs.rmSync(pageDir, { recursive: true, force: true });
    },
  };
  return host;
}

/** Read the launch secret from the page, as the browser does. */
async function readSecret(url: string): Promise<string> {
  const res = await fetch(`${url}/`);
  const html = await res.text();
  const secret = /<meta name="kith-secret" content="([^"]+)"/.exec(html)?.[1];
  if (!secret) throw new Error(`${url}/ answered ${res.status} without <meta name="kith-secret">`);
  return secret;
}
