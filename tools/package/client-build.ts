import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isStale } from './staleness.js';

/** The lock every client build and copy takes on Linux (the browser tests use it too). */
const CLIENT_LOCK = '/tmp/kith-client-build.lock';

/** `flock` serialises builds on Linux; macOS and Windows have no `flock`, and run it bare. */
function underLock(command: string, args: readonly string[]): [string, string[]] {
  return process.platform === 'linux' ? ['flock', [CLIENT_LOCK, command, ...args]] : [command, [...args]];
}

/**
 * Make sure `dist/client/browser` is current: rebuild it with `npm run build:client` when the
 * client's sources (client/, extensions/<id>/ui/) are newer. Returns the folder, or undefined
 * when this checkout has no client to build (the executable then serves the API only).
 */
export function ensureClient(root: string, clientDir: string): string | undefined {
  const index = path.join(clientDir, 'index.html');
  const buildable =
    fs.existsSync(path.join(root, 'angular.json')) &&
    fs.existsSync(path.join(root, 'client')) &&
    Boolean(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts?.['build:client']);
  if (buildable) {
    const extensionsDir = path.join(root, 'extensions');
    const uiSources = fs.existsSync(extensionsDir)
      ? fs.readdirSync(extensionsDir).flatMap((e) => [path.join(extensionsDir, e, 'ui'), path.join(extensionsDir, e, 'package.json')])
      : [];
    if (isStale(index, [path.join(root, 'client'), path.join(root, 'angular.json'), ...uiSources])) {
      process.stderr.write('package: building the client (npm run build:client)\n');
      // stdout stays free for the checksums.
      const [command, args] = underLock('npm', ['run', 'build:client']);
      const build = spawnSync(command, args, { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
      if (build.status !== 0) throw new Error(`npm run build:client failed (exit ${build.status})`);
    }
  }
  return fs.existsSync(index) ? clientDir : undefined;
}

/**
 * Copy the built client to `target` under the build lock, so a build started meanwhile (another
 * engineer, a test) cannot hand the packager a half-written folder.
 */
export function snapshotClient(clientDir: string, target: string): string {
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  if (process.platform !== 'linux') {
    fs.cpSync(clientDir, target, { recursive: true });
  } else {
    const copy = spawnSync('flock', [CLIENT_LOCK, 'cp', '-R', `${clientDir}/.`, target], { encoding: 'utf8' });
    if (copy.status !== 0) throw new Error(`could not copy the built client from ${clientDir}: ${copy.stderr}`);
  }
  if (!fs.existsSync(path.join(target, 'index.html'))) throw new Error(`the client copy in ${target} has no index.html`);
  return target;
}
