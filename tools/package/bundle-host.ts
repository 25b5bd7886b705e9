import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { ADDON_LOOKUPS, locateNativeAddon, type AddonLookup, type NativeAddon } from './native-addons.js';
import { dedupePlugin } from './dedupe-plugin.js';
import { nativeRequirePlugin } from './native-require-plugin.js';

export interface BundleOptions {
  readonly root: string;
  /** The program's entry module. */
  readonly entry: string;
  readonly outfile: string;
  /** The generated module that replaces host/src/native/packaged-builtins.ts. */
  readonly builtinsModule: string;
}

/** Optional dependencies `require`d inside try/catch (ws's accelerators); absent on purpose. */
const OPTIONAL_ABSENT = ['bufferutil', 'utf-8-validate'];

/**
 * Resolve the optional dependencies to a module that throws "not found", as when they are not
 * installed. Left as plain `require`s, the executable would print Node's "only built-in modules"
 * warning on every start.
 */
function optionalAbsentPlugin(): Plugin {
  const filter = new RegExp(`^(${OPTIONAL_ABSENT.join('|')})$`);
  return {
    name: 'kith-optional-absent',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'kith-absent' }));
      b.onLoad({ filter: /.*/, namespace: 'kith-absent' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`Cannot find module '${args.path}'`)}), { code: 'MODULE_NOT_FOUND' });`,
        loader: 'js',
      }));
    },
  };
}

/** Point the host's `./native/packaged-builtins.js` import at the generated list. */
function builtinsPlugin(generated: string): Plugin {
  return {
    name: 'kith-packaged-builtins',
    setup(b) {
      b.onResolve({ filter: /\/packaged-builtins\.js$/ }, () => ({ path: generated }));
    },
  };
}

/**
 * Bundle the host (with the rendezvous role, the SDK and every built-in extension) into one
 * CommonJS file, the form a single executable runs. ESM-only dependencies are converted by
 * esbuild; `import.meta.url` (empty in CommonJS) becomes the executable's own file URL.
 */
export async function bundleHost(options: BundleOptions): Promise<{ addons: NativeAddon[] }> {
  const loaderFile = path.join(options.root, 'host/src/native/embedded-addon.ts');
  const used = new Map<AddonLookup, string>();
  const result = await build({
    entryPoints: [options.entry],
    absWorkingDir: options.root, // module names in the bundle are relative to the checkout
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__kithModuleUrl' },
    banner: {
      // Not __filename: inside the executable that is the bundle's path on the build machine.
      js: "var __kithModuleUrl = require('node:url').pathToFileURL(process.execPath).href;",
    },
    plugins: [nativeRequirePlugin(ADDON_LOOKUPS, loaderFile, used), builtinsPlugin(options.builtinsModule), optionalAbsentPlugin(), dedupePlugin(options.root)],
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((i) => ADDON_LOOKUPS.some((a) => i.includes(`node_modules/${a.lookupModule}/`)));
  if (leaked.length > 0) {
    throw new Error(`A native lookup was not redirected to the embedded addons: ${leaked.join(', ')}`);
  }
  // Sorted: esbuild resolves in parallel, and the manifest must not depend on who came first.
  const addons = [...used].map(([lookup, dir]) => locateNativeAddon(lookup, dir));
  return { addons: addons.sort((a, b) => a.packageName.localeCompare(b.packageName)) };
}
