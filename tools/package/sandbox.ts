import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST, executableName, ROOT } from '../../tools/package/package-paths.js';

/** The packaged executable in dist/ (built by {@link ensurePackage}). */
export const BUILT_EXECUTABLE = path.join(DIST, executableName());

/**
 * Build the executable unless it is newer than its sources (`npm run package -- --if-stale`); the
 * full build takes a few seconds plus the client build, so the tests share one.
 */
export function ensurePackage(): void {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools/package/package.ts'), '--if-stale'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
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
  remove(): void;
}

export function makeSandbox(): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-package-test-'));
  const dir = path.join(base, 'app');
  const emptyPath = path.join(base, 'empty-bin');
  const tmp = path.join(base, 'tmp');
  for (const d of [dir, emptyPath, tmp]) fs.mkdirSync(d);
  const executable = path.join(dir, path.basename(BUILT_EXECUTABLE));
  fs.copyFileSync(BUILT_EXECUTABLE, executable);
  fs.chmodSync(executable, 0o755);
  return { dir, executable, emptyPath, tmp, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

/** The environment a downloaded executable would see, minus node: only what is listed here. */
export function sandboxEnv(sandbox: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: sandbox.emptyPath, HOME: sandbox.dir, TMPDIR: sandbox.tmp, KITH_NO_BROWSER: '1', KITH_LOG: 'warn', ...extra };
}

/** A running copy of the executable. */
export interface PackagedProcess {
  readonly child: ChildProcess;
  /** The base URL it printed, on loopback (`http://127.0.0.1:<port>`). */
  readonly url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Start the executable with `args` in the sandbox and wait until it prints the URL it listens on
 * (stdout or stderr); rejects with its output when it exits first or takes longer than 15 s.
 */
export function startPackaged(sandbox: Sandbox, args: readonly string[], env: Record<string, string> = {}): Promise<PackagedProcess> {
  const child = spawn(sandbox.executable, args, { cwd: sandbox.dir, env: sandboxEnv(sandbox, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the executable printed no URL within 15 s:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /http:\/\/(?:127\.0\.0\.1|0\.0\.0\.0|localhost|\[::\]):(\d+)/.exec(output);
      if (match && Number(match[1]) > 0) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${match[1]}`, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the executable exited (${code}) before printing its URL:\n${output}`));
    });
  });
}

/** Run the executable to completion (for --help, --version, failures). */
export function runPackaged(sandbox: Sandbox, args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(sandbox.executable, args, { cwd: sandbox.dir, env: sandboxEnv(sandbox, env), encoding: 'utf8', timeout: 20_000 });
}
