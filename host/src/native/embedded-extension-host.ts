import path from 'node:path';
import { KithError } from '@kith/sdk';
import { packageManifest, readAsset } from './sea-assets.js';
import { cacheBases, privateCacheDir } from './private-cache-dir.js';
import { writeFileOnce } from './write-once.js';

let extracted: string | undefined;

/**
 * The extension host script embedded in the executable, written to the private cache folder under
 * a content-hashed name (each cache base in turn, as for the native addons); undefined when this
 * executable carries none. The executable runs it as each third-party extension's process.
 */
export function extractExtensionHost(): string | undefined {
  if (extracted) return extracted;
  const entry = packageManifest()?.extensionHost;
  if (!entry) return undefined;
  const failures: string[] = [];
  for (const base of cacheBases()) {
    try {
      const file = path.join(privateCacheDir(base), `${entry.sha256.slice(0, 16)}-${path.basename(entry.path)}`);
      writeFileOnce(file, readAsset(entry.asset), entry.sha256);
      return (extracted = file);
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
    }
  }
  throw new KithError('KITH_ERR_INTERNAL', `Cannot write out the extension host: ${failures.join('; ')}`);
}
