import fs from 'node:fs';
import path from 'node:path';

/**
 * KITH_DATA is private to the user: folders 0700, files 0600. Modes are set with chmod, so the
 * umask cannot widen them, and an install an older version left readable is narrowed at start.
 */

/** Create `dir` (and parents) if needed and make it 0700. */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/**
 * Create `file` empty if it does not exist, and make it 0600. SQLite gives `-wal` and `-shm` the
 * mode of the main file, so pre-creating `kith.sqlite` this way makes them private too.
 */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}

/**
 * Take every group and other permission bit off `root` and everything under it (symlinks are
 * not followed). Owner bits stay, so an extension's executable file still runs.
 */
export function narrowTree(root: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(root);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) return;
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(root, stat.mode & 0o700);
  if (stat.isDirectory()) for (const name of fs.readdirSync(root)) narrowTree(path.join(root, name));
}
