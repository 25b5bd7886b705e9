import path from 'node:path';
import type { Plugin } from 'esbuild';
import type { AddonLookup } from './native-addons.js';

const NAMESPACE = 'kith-embedded-addon';

/** The folder of `packageName` that `importer` sits in (`.../node_modules/<packageName>`), if any. */
function packageDirOf(importer: string, packageName: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}${packageName}${path.sep}`;
  const at = importer.lastIndexOf(marker);
  return at < 0 ? undefined : importer.slice(0, at + marker.length - 1);
}

/**
 * esbuild plugin: inside the packages that load native addons, replace the lookup helper
 * (`bindings`, `node-gyp-build`, ...) with a stub that returns the addon embedded in the
 * executable (`host/src/native/embedded-addon.ts`). Each stub ignores its arguments: the package
 * is known from who imports it. `used` collects each package's folder, so only the addons the
 * bundle really loads get embedded, from wherever npm placed them.
 */
export function nativeRequirePlugin(lookups: readonly AddonLookup[], loaderFile: string, used: Map<AddonLookup, string>): Plugin {
  const names = [...new Set(lookups.map((l) => l.lookupModule))];
  const filter = new RegExp(`^(${names.map((m) => m.replace(/[-/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'kith-native-require',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        for (const lookup of lookups) {
          const dir = lookup.lookupModule === args.path ? packageDirOf(args.importer, lookup.packageName) : undefined;
          if (!dir) continue;
          const seen = used.get(lookup);
          if (seen && seen !== dir) throw new Error(`Two copies of ${lookup.packageName} in the bundle: ${seen} and ${dir}`);
          used.set(lookup, dir);
          return { path: lookup.packageName, namespace: NAMESPACE };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents:
          `const { loadEmbeddedAddon } = require(${JSON.stringify(loaderFile)});\n` +
          `module.exports = function embeddedAddon() { return loadEmbeddedAddon(${JSON.stringify(args.path)}); };\n`,
        loader: 'js',
        resolveDir: path.dirname(loaderFile),
      }));
    },
  };
}
