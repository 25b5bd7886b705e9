// `npm start`: build the client when it is missing or older than its sources, then start the peer app.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = path.join(root, 'dist/client/browser/index.html');

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const sources = Math.max(newestMtime(path.join(root, 'client')), ...fs.readdirSync(path.join(root, 'extensions')).map((e) => newestMtime(path.join(root, 'extensions', e, 'ui'))));
const stale = !fs.existsSync(built) || fs.statSync(built).mtimeMs < sources;
if (stale && fs.existsSync(path.join(root, 'angular.json')) && fs.existsSync(path.join(root, 'client/src/main.ts'))) {
  const build = spawnSync('npm', ['run', 'build:client'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'host/src/main.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
