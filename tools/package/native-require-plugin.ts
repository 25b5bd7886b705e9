import path from 'node:path';
import type { Plugin } from 'esbuild';
import type { NativeAddon } from './native-addons.js';

const NAMESPACE = 'kith-embedded-addon';

/**
 * esbuild plugin: inside the packages that load native addons, replace the lookup helper
 * (`bindings`, `node-gyp-build`, ...) with a stub that returns the addon embedded in the
 * executable (`host/src/native/embedded-addon.ts`). Each stub ignores its arguments: the package
 * is known from who imports it.
 */
export function nativeRequirePlugin(addons: readonly NativeAddon[], loaderFile: string): Plugin {
  const lookups = new Set(addons.map((a) => a.lookupModule));
  const filter = new RegExp(`^(${[...lookups].map((m) => m.replace(/[-/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'kith-native-require',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const owner = addons.find(
          (a) => a.lookupModule === args.path && args.importer.includes(`${path.sep}node_modules${path.sep}${a.packageName}${path.sep}`),
        );
        if (!owner) return undefined;
        return { path: owner.packageName, namespace: NAMESPACE };
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
