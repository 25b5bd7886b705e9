import os from 'node:os';
import path from 'node:path';
import { KithError } from '@kith/sdk';
import { packageManifest, readAsset } from './sea-assets.js';
import { cacheBases, privateCacheDir } from './private-cache-dir.js';
import { writeFileOnce } from './write-once.js';

const loaded = new Map<string, unknown>();

/**
 * Load the native addon embedded for `packageName` (better-sqlite3, argon2, cbor-extract, sodium-native): write it
 * to a private cache folder under a content-hashed name and `process.dlopen` it. The packager
 * points those packages' `bindings`/`node-gyp-build` lookups here, since inside the executable
 * nothing but Node's own modules can be `require`d. Each cache base is tried in turn (see
 * {@link cacheBases}); the error names every place that failed.
 */
export function loadEmbeddedAddon(packageName: string): unknown {
  const cached = loaded.get(packageName);
  if (cached) return cached;
  const entry = packageManifest()?.addons[packageName];
  if (!entry) throw new KithError('KITH_ERR_INTERNAL', `No native addon for ${packageName} is embedded in this executable`);
  const failures: string[] = [];
  for (const base of cacheBases()) {
    try {
      const file = path.join(privateCacheDir(base), `${entry.sha256.slice(0, 16)}-${path.basename(entry.path)}`);
      writeFileOnce(file, readAsset(entry.asset), entry.sha256);
      const module = { exports: {} as unknown };
      process.dlopen(module, file, os.constants.dlopen.RTLD_NOW);
      loaded.set(packageName, module.exports);
      return module.exports;
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
    }
  }
  throw new KithError('KITH_ERR_INTERNAL', `Cannot load the native addon of ${packageName}: ${failures.join('; ')}`);
}
