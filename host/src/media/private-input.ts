import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** statfs type of tmpfs (linux/magic.h): memory, never the disk. */
const TMPFS_MAGIC = 0x01021994;
const SHM = '/dev/shm';

/**
 * Many containers can only be read with seeking (MP4 or MOV with the index at the end, TIFF),
 * which a pipe cannot give. So, where /dev/shm is a tmpfs, the input goes to a file there that is
 * unlinked at once: no name, memory only, gone when the last descriptor closes. The returned
 * descriptor is handed to ffmpeg, which opens it as /proc/self/fd/3. Undefined when there is no
 * such tmpfs (the caller then pipes the bytes, and only streamable formats can be previewed):
 * the plaintext of an attachment is never written to the disk.
 */
export function privateInput(data: Uint8Array): number | undefined {
  if (!isTmpfs(SHM)) return undefined;
  const file = path.join(SHM, `kith-preview-${randomBytes(16).toString('hex')}`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx+', 0o600);
  } catch {
    return undefined;
  }
  try {
    fs.unlinkSync(file);
    for (let at = 0; at < data.byteLength; ) at += fs.writeSync(fd, data, at);
    return fd;
  } catch {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    return undefined; // a full /dev/shm: fall back to the pipe
  }
}

function isTmpfs(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}
