// Run the packaged executable the way a user would after downloading it: a copy in an empty
// folder, a PATH without node, a private TMPDIR. Shared by test/package and the package bench.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchUntilUrl, type Launched } from '../demo/launch.js';
import { MANIFEST_ASSET, type PackageManifest } from '../../host/src/native/sea-assets.js';
import { DIST, executableName, ROOT, WORK_DIR } from './package-paths.js';

/** Serialises package builds on Linux. */
const PACKAGE_LOCK = '/tmp/kith-package.lock';

/** The packaged executable in dist/ (built by {@link ensurePackage}). */
export const BUILT_EXECUTABLE = path.join(DIST, executableName());

/**
 * Build the executable unless it is newer than its sources (`npm run package -- --if-stale`); the
 * full build takes a few seconds plus the client build, so the tests share one.
 */
export function ensurePackage(): void {
  // One build at a time across processes (test files, the bench, other engineers' runs).
  const script = [process.execPath, '--import', 'tsx', path.join(ROOT, 'tools/package/package.ts'), '--if-stale'];
  const [command, ...args] = process.platform === 'linux' ? ['flock', PACKAGE_LOCK, ...script] : script;
  const run = spawnSync(command!, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`npm run package failed:\n${run.stderr}`);
}

/** An empty folder holding only a copy of the executable, plus an empty PATH folder (no node). */
export interface Sandbox {
  readonly dir: string;
  readonly executable: string;
  /** A PATH with nothing in it: no node, no npm. */
  readonly emptyPath: string;
  /** TMPDIR for the process, so its cache folder lives (and dies) with the sandbox. */
  readonly tmp: string;
  /** What this copy of the executable embeds (read with it, so a rebuild meanwhile cannot mix them up). */
  readonly manifest: PackageManifest;
  remove(): void;
}

export function makeSandbox(): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-package-test-'));
  const dir = path.join(base, 'app');
  const emptyPath = path.join(base, 'empty-bin');
  const tmp = path.join(base, 'tmp');
  for (const d of [dir, emptyPath, tmp]) fs.mkdirSync(d);
  const executable = path.join(dir, path.basename(BUILT_EXECUTABLE));
  const manifestCopy = path.join(base, MANIFEST_ASSET);
  // Under the build lock: another process may be rebuilding dist/ right now.
  const copy = ['cp', BUILT_EXECUTABLE, executable];
  const copyManifest = ['cp', path.join(WORK_DIR, MANIFEST_ASSET), manifestCopy];
  if (process.platform === 'linux') {
    const script = `${copy.map(quote).join(' ')} && ${copyManifest.map(quote).join(' ')}`;
    const run = spawnSync('flock', [PACKAGE_LOCK, 'sh', '-c', script], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`could not copy the executable: ${run.stderr}`);
  } else {
    fs.copyFileSync(BUILT_EXECUTABLE, executable);
    fs.copyFileSync(path.join(WORK_DIR, MANIFEST_ASSET), manifestCopy);
  }
  fs.chmodSync(executable, 0o755);
  const manifest = JSON.parse(fs.readFileSync(manifestCopy, 'utf8')) as PackageManifest;
  fs.rmSync(manifestCopy);
  return { dir, executable, emptyPath, tmp, manifest, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`;
}

/** The environment a downloaded executable would see, minus node: only what is listed here. */
export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: sandbox.emptyPath, HOME: sandbox.dir, TMPDIR: sandbox.tmp, KITH_NO_BROWSER: '1', KITH_LOG: 'warn', ...extra };
}

/**
 * Start the executable with `args` in the sandbox and wait until it prints the URL it listens on;
 * rejects with its output when it exits first or takes longer than 15 s.
 */
export function startPackaged(sandbox: Sandbox, args: readonly string[], env: Record<string, string> = {}): Promise<Launched> {
  return launchUntilUrl(sandbox.executable, args, { cwd: sandbox.dir, env: sandboxEnv(sandbox, env) });
}

/** Run the executable to completion (for --help, --version, failures). */
export function runPackaged(sandbox: Sandbox, args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(sandbox.executable, args, { cwd: sandbox.dir, env: sandboxEnv(sandbox, env), encoding: 'utf8', timeout: 20_000 });
}
