import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 of `data` as lowercase hex. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Make `file` hold exactly `data` (whose sha256 is `sha256`): keep an existing file whose content
 * matches, else write a temporary sibling and rename it over, so a crash or a second process
 * starting at the same time never leaves a half-written file in place.
 */
export function writeFileOnce(file: string, data: Uint8Array, sha256: string): void {
  try {
    if (sha256Hex(fs.readFileSync(file)) === sha256) return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, data, { mode: 0o700 });
  fs.renameSync(temporary, file);
}
