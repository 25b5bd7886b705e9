import fs from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/** `.../node_modules/<name>` (or `.../node_modules/@scope/name`) holding `file`, if any. */
function packageRootOf(file: string): string | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const length = parts[at + 1]!.startsWith('@') ? at + 3 : at + 2;
  return parts.slice(0, length).join(path.sep);
}

/**
 * esbuild plugin: npm nests a package once per dependent when versions clash elsewhere (socket.io
 * and engine.io each carry accepts, mime-types and mime-db 1.52), and the bundle would hold, and
 * start up, every copy. Copies with the same name and version are the same code: point them all
 * at the first one seen.
 */
export function dedupePlugin(): Plugin {
  const canonical = new Map<string, string>();
  const versionOf = new Map<string, string | undefined>();
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
        const root = packageRootOf(result.path);
        if (!root) return undefined;
        if (!versionOf.has(root)) {
          const manifest = path.join(root, 'package.json');
          versionOf.set(root, fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')).version : undefined);
        }
        const version = versionOf.get(root);
        if (!version) return result;
        const key = `${path.basename(path.dirname(root)).startsWith('@') ? `${path.basename(path.dirname(root))}/` : ''}${path.basename(root)}@${version}`;
        const first = canonical.get(key);
        if (!first) {
          canonical.set(key, root);
          return result;
        }
        return { ...result, path: first + result.path.slice(root.length) };
      });
    },
  };
}
