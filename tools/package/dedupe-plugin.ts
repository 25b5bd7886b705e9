import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/** The package name of a folder `.../node_modules/<name>` or `.../node_modules/@scope/name`. */
function packageNameOf(packageRoot: string): string {
  const parts = packageRoot.split(path.sep);
  return parts.slice(parts.lastIndexOf('node_modules') + 1).join('/');
}

/** `.../node_modules/<name>` (or `.../node_modules/@scope/name`) holding `file`, if any. */
function packageRootOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const length = parts[at + 1]!.startsWith('@') ? at + 3 : at + 2;
  return parts.slice(0, length).join(path.sep);
}

function readVersion(root: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Every installed copy under `nodeModules` (nested ones too): `name@version` → its folder. */
function indexCopies(nodeModules: string, into: Map<string, string>): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(nodeModules, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue; // symlinks are workspaces
    const dirs = entry.name.startsWith('@')
      ? fs.readdirSync(path.join(nodeModules, entry.name), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => path.join(nodeModules, entry.name, e.name))
      : [path.join(nodeModules, entry.name)];
    for (const dir of dirs) {
      const version = readVersion(dir);
      if (version) {
        const key = `${packageNameOf(dir)}@${version}`;
        const known = into.get(key);
        if (!known || dir < known) into.set(key, dir); // the same choice on every build
      }
      indexCopies(path.join(dir, 'node_modules'), into);
    }
  }
}

/**
 * esbuild plugin: npm nests a package once per dependent when versions clash elsewhere (socket.io
 * and engine.io each carry accepts, mime-types and mime-db 1.52), and the bundle would hold, and
 * start up, every copy. Copies with the same name and version are the same code: every import
 * goes to one of them, chosen by path, so builds stay reproducible.
 */
export function dedupePlugin(root: string): Plugin {
  let canonical: Map<string, string> | undefined;
  return {
    name: 'kith-dedupe-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'kith-dedupe' || args.path.startsWith('node:')) return undefined;
        const result = await build.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          importer: args.importer,
          pluginData: 'kith-dedupe',
        });
        if (result.errors.length > 0 || result.external || !result.path) return undefined;
        const packageRoot = packageRootOf(result.path);
        const version = packageRoot ? readVersion(packageRoot) : undefined;
        if (!packageRoot || !version) return result;
        if (!canonical) {
          canonical = new Map();
          indexCopies(path.join(root, 'node_modules'), canonical);
        }
        const chosen = canonical.get(`${packageNameOf(packageRoot)}@${version}`);
        return chosen && chosen !== packageRoot ? { ...result, path: chosen + result.path.slice(packageRoot.length) } : result;
      });
    },
  };
}
