import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KithError } from '@kith/sdk';
import { programDir } from '../config.js';

/**
 * Where the executable may write out what it cannot use from memory (native addons, the client
 * files), best first: the system temp dir, then `cache/` in the data dir (for systems whose temp
 * dir is mounted noexec, where a `.node` file there cannot be loaded).
 */
export function cacheBases(env: NodeJS.ProcessEnv = process.env): string[] {
  return [os.tmpdir(), path.join(path.resolve(env.KITH_DATA ?? path.join(programDir(), '.kith')), 'cache')];
}

/**
 * A per-user folder under `base`. Because code is loaded from it with `process.dlopen`, it must
 * belong to this user and be writable by nobody else; a folder another account planted there is
 * refused rather than used.
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
