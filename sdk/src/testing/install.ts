import fs from 'node:fs';
import path from 'node:path';

const SKIPPED = new Set(['node_modules', '.git']);

/**
 * Install an extension folder into `<userDir>/<folder name>` the way it ships: its files (without
 * `node_modules` and `.git`) plus the packages its `dependencies` need at run time, copied from
 * where Node would resolve them for the source folder (so an extension that imports `@kith/sdk`
 * at run time works without bundling it). Returns the installed folder.
 */
export function installExtension(folder: string, userDir: string): string {
  const source = path.resolve(folder);
  const manifestFile = path.join(source, 'package.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${source} has no package.json: not an extension folder`);
  const target = path.join(userDir, path.basename(source));
  fs.mkdirSync(userDir, { recursive: true });
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true, dereference: true, filter: (src) => !SKIPPED.has(path.basename(src)) });
  copyDependencies(source, target, new Set());
  return target;
}

/** Copy the run-time dependency closure of the package at `from` into `<into>/node_modules`. */
function copyDependencies(from: string, into: string, done: Set<string>): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (done.has(name)) continue;
    const found = locatePackage(from, name);
    if (!found) continue; // not installed: the host reports the import failure when it activates
    done.add(name);
    const target = path.join(into, 'node_modules', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(found, target, { recursive: true, dereference: true, filter: (src) => path.basename(src) !== '.git' });
    copyDependencies(found, into, done);
  }
}

function locatePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}
