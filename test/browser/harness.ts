import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../host/src/config.js';
import { createLogger } from '../../host/src/log.js';
import { startHost, type RunningHost } from '../../host/src/host.js';
import type { ExtensionSources } from '../../host/src/extensions/area.js';
import { chromiumPath, missingReason } from '../support/system-parts.js';

/** Shared set-up for browser tests: a built client, real hosts, Debian's Chromium. */

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const CLIENT_DIR = path.join(ROOT, 'dist/client/browser');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/browser');
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

let snapshotDir: string | undefined;

/**
 * Build the client if stale, then serve a private copy of it: other engineers (or `npm start`)
 * may rebuild dist/ while a browser test runs, and a half-written dist would fail the test for
 * no fault of the code under test. Returns the copy's path (one per test process).
 */
export function ensureClientBuilt(): string {
  if (snapshotDir) return snapshotDir;
  buildClientIfStale();
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-client-'));
  const result = spawnSync('flock', ['/tmp/kith-client-build.lock', 'cp', '-R', `${CLIENT_DIR}/.`, copy], { encoding: 'utf8' });
  if (result.status !== 0 || !fs.existsSync(path.join(copy, 'index.html'))) throw new Error(`could not copy the built client: ${result.stderr}`);
  process.once('exit', () => fs.rmSync(copy, { recursive: true, force: true }));
  snapshotDir = copy;
  return copy;
}

/** Build the client (under a lock, so parallel test files build once) when it is older than its sources. */
function buildClientIfStale(): void {
  const index = path.join(CLIENT_DIR, 'index.html');
  const extensionsDir = path.join(ROOT, 'extensions');
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'client')),
    newestMtime(path.join(ROOT, 'angular.json')),
    ...(fs.existsSync(extensionsDir) ? fs.readdirSync(extensionsDir).map((e) => newestMtime(path.join(extensionsDir, e, 'ui'))) : []),
    ...(fs.existsSync(extensionsDir) ? fs.readdirSync(extensionsDir).map((e) => newestMtime(path.join(extensionsDir, e, 'package.json'))) : []),
  );
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  const build = spawnSync('flock', ['/tmp/kith-client-build.lock', 'npm', 'run', 'build:client'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`client build failed:\n${build.stdout}\n${build.stderr}`);
}

export interface TestHost {
  readonly host: RunningHost;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** A real peer-app host on an OS-assigned port serving the built client, in a temp data dir. */
export async function startTestHost(options: { dataDir?: string; extensions?: ExtensionSources } = {}): Promise<TestHost> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-'));
  const host = await startHost({
    config: loadConfig({}, { port: 0, dataDir, noBrowser: true }),
    log: createLogger(process.env.KITH_TEST_LOG ?? 'silent'),
    clientDir: ensureClientBuilt(),
    ...(options.extensions ? { extensions: options.extensions } : {}),
  });
  return {
    host,
    dataDir,
    async close() {
      await host.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST `body` as JSON to the host's `/api<path>` with the launch secret; throws naming the answer unless it is a success. */
export async function postJson(host: RunningHost, apiPath: string, body: unknown): Promise<void> {
  const answer = await host.fetch(`/api${apiPath}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (answer.status >= 300) throw new Error(`POST /api${apiPath} answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
}

/** Create a persona through the API and make it the active, unlocked one (for tests that drive the app, not the login form). */
export async function unlockNewPersona(host: RunningHost, persona: { slug: string; label: string; passphrase: string }): Promise<void> {
  await postJson(host, '/personas', persona);
  await postJson(host, '/identity/unlock', { slug: persona.slug, passphrase: persona.passphrase, set_active: true });
}

/** Turn an extension on for the active persona: what the Extensions page sends once the user allowed its permissions. */
export async function turnOnExtension(host: RunningHost, extensionId: string): Promise<void> {
  await postJson(host, `/extensions/${extensionId}`, { enabled: true });
}

/** Debian's Chromium (or `KITH_CHROMIUM`). A suite that calls this declares `needs('chromium')`. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = chromiumPath();
  const missing = missingReason('chromium');
  if (!executablePath || missing) throw new Error(`no Chromium (${missing}): declare needs('chromium') in the suite so it is skipped, or apt-get install -y chromium`);
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A fresh context (own storage) and page; console errors are collected for assertions. */
export async function openPage(browser: Browser, width = 1280, height = 860): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height } });
  // tsx (esbuild keepNames) wraps named functions in __name(); define it for page.evaluate bodies.
  await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The page runs under a strict Content-Security-Policy: any violation is a bug.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  return { context, page, errors };
}

/** Save a screenshot under test-artifacts/browser/<name>.png. */
export async function snap(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
