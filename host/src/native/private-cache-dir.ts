import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KithError } from '@kith/sdk';

/**
 * A per-user folder under the system temp dir where the executable writes out what it cannot use
 * from memory (native addons, the client files). Because code is loaded from it with
 * `process.dlopen`, it must belong to this user and be writable by nobody else; a folder another
 * account planted there is refused rather than used.
 */
export function privateCacheDir(base: string = os.tmpdir()): string {
  const owner = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username;
  const dir = path.join(base, `kith-cache-${owner}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const foreign = typeof process.getuid === 'function' && stat.uid !== process.getuid();
  if (!stat.isDirectory() || foreign || (process.platform !== 'win32' && (stat.mode & 0o022) !== 0)) {
    throw new KithError('KITH_ERR_INTERNAL', `The cache folder ${dir} is not a private folder of this user; remove it and start again`);
  }
  return dir;
}
