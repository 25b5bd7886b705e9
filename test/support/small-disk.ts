import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A small tmpfs mounted on a fresh temp folder: a disk that fills up (suites that call `needs('tmpfs')`). */
export interface SmallDisk {
  /** Where it is mounted. */
  readonly dir: string;
  /** Give it room: a tmpfs grows in place, what it holds stays. */
  grow(megabytes: number): void;
  /** Unmount it (lazily, so a host still closing cannot block it) and remove the folder. */
  remove(): void;
}

export function mountSmallDisk(prefix: string, megabytes: number): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    grow: (size) => execFileSync('mount', ['-o', `remount,size=${size}m`, dir]),
    remove() {
      try {
        execFileSync('umount', ['-l', dir]);
      } catch {
        // not mounted
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
