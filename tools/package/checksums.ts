import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 of a file as lowercase hex, streamed (the executable is ~100 MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Write `SHA256SUMS.txt` beside the files (the format `sha256sum -c` reads) and return its lines. */
export async function writeChecksums(dir: string, names: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const name of names) lines.push(`${await sha256File(path.join(dir, name))}  ${name}`);
  fs.writeFileSync(path.join(dir, 'SHA256SUMS.txt'), `${lines.join('\n')}\n`);
  return lines;
}
