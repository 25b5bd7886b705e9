import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isStale } from './staleness.js';

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
      ? fs.readdirSync(extensionsDir).map((e) => path.join(extensionsDir, e, 'ui'))
      : [];
    if (isStale(index, [path.join(root, 'client'), path.join(root, 'angular.json'), ...uiSources])) {
      process.stderr.write('package: building the client (npm run build:client)\n');
      const build = spawnSync('npm', ['run', 'build:client'], { cwd: root, stdio: ['ignore', 2, 2] }); // stdout stays for the checksums
      if (build.status !== 0) throw new Error(`npm run build:client failed (exit ${build.status})`);
    }
  }
  return fs.existsSync(index) ? clientDir : undefined;
}
