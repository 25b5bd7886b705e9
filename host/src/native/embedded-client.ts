import fs from 'node:fs';
import path from 'node:path';
import { KithError } from '@kith/sdk';
import { packageManifest, readAsset, type PackageManifest } from './sea-assets.js';
import { cacheBases, privateCacheDir } from './private-cache-dir.js';
import { writeFileOnce } from './write-once.js';

/** Marker written last, so a folder interrupted half-way is completed on the next start. */
const COMPLETE = '.complete';

/**
 * Write the client embedded in the executable out to `<cache>/client-<hash>/` (once per build,
 * reused afterwards) and return that folder, or undefined when the executable has no client.
 */
export function extractEmbeddedClient(): string | undefined {
  const client = packageManifest()?.client;
  if (!client) return undefined;
  const failures: string[] = [];
  for (const base of cacheBases()) {
    try {
      return extractInto(path.join(privateCacheDir(base), `client-${client.hash.slice(0, 16)}`), client);
    } catch (error) {
      failures.push(`${base}: ${(error as Error).message}`);
    }
  }
  throw new KithError('KITH_ERR_INTERNAL', `Cannot write out the page files: ${failures.join('; ')}`);
}

function extractInto(dir: string, client: NonNullable<PackageManifest['client']>): string {
  if (fs.existsSync(path.join(dir, COMPLETE))) return dir;
  for (const file of client.files) {
    const target = path.resolve(dir, file.path);
    if (!target.startsWith(dir + path.sep)) throw new RangeError(`Embedded client path escapes its folder: ${file.path}`);
    writeFileOnce(target, readAsset(file.asset), file.sha256);
  }
  fs.writeFileSync(path.join(dir, COMPLETE), client.hash);
  return dir;
}
