import fs from 'node:fs';
import path from 'node:path';

const SKIPPED = new Set(['node_modules', '.git']);

/**
 * Install an extension folder into `<userDir>/<folder name>` the way it ships: its files (without
 * `node_modules` and `.git`) plus the packages its `dependencies` need at run time, copied from
 * where Node would resolve them for the source folder (so an extension that imports `@kith/sdk`
 * at run time works without bundling it). A dependency not found from there that the entry module
 * imports is warned about on stderr (a bundled build imports none). Returns the installed folder.
 */
export function installExtension(folder: string, userDir: string): string {
  const source = path.resolve(folder);
  const manifestFile = path.join(source, 'package.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${source} has no package.json: not an extension folder`);
  const target = path.join(userDir, path.basename(source));
  fs.mkdirSync(userDir, { recursive: true });
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true, dereference: true, filter: (src) => !SKIPPED.has(path.basename(src)) });
  copyDependencies(source, target, new Set(), source);
  return target;
}

/** Copy the run-time dependency closure of the package at `from` into `<into>/node_modules`. */
function copyDependencies(from: string, into: string, done: Set<string>, root: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    if (done.has(name)) continue;
    const found = locatePackage(from, name);
    if (!found) {
      // An unbundled entry that imports it faults at activation ("Cannot find package"), and the
      // fix is plain here; a bundled build imports none of its dependencies, so no error either way.
      if (from === root && entryImports(root, name)) {
        console.warn(
          `[kith test kit] ${from}: its dependency "${name}" is not found from there (no node_modules/${name} in it or a folder above), ` +
            'and its entry module imports it: install it (npm install), bundle it, or keep the copy inside your project, where Node resolves its dependencies',
        );
      }
      continue;
    }
    done.add(name);
    const target = path.join(into, 'node_modules', name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(found, target, { recursive: true, dereference: true, filter: (src) => path.basename(src) !== '.git' });
    copyDependencies(found, into, done, root);
  }
}

/** Whether the extension's entry module names `name` as a module (an unbundled import of it). */
function entryImports(root: string, name: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { main?: string; kith?: { main?: string } };
    const entry = manifest.kith?.main ?? manifest.main;
    if (typeof entry !== 'string') return false;
    const text = fs.readFileSync(path.resolve(root, entry), 'utf8');
    return [`'${name}'`, `"${name}"`, `'${name}/`, `"${name}/`].some((quoted) => text.includes(quoted));
  } catch {
    return false; // no entry to read: the host reports that at load
  }
}

function locatePackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}
