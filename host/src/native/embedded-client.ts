import fs from 'node:fs';
import path from 'node:path';
import { packageManifest, readAsset } from './sea-assets.js';
import { privateCacheDir } from './private-cache-dir.js';
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
  const dir = path.join(privateCacheDir(), `client-${client.hash.slice(0, 16)}`);
  if (fs.existsSync(path.join(dir, COMPLETE))) return dir;
  for (const file of client.files) {
    const target = path.resolve(dir, file.path);
    if (!target.startsWith(dir + path.sep)) throw new RangeError(`Embedded client path escapes its folder: ${file.path}`);
    writeFileOnce(target, readAsset(file.asset), file.sha256);
  }
  fs.writeFileSync(path.join(dir, COMPLETE), client.hash);
  return dir;
}
