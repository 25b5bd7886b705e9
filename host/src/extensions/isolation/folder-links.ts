import fs from 'node:fs';
import path from 'node:path';
import { KithError } from '@kith/sdk';

/** Entries looked at before giving up: a folder this large is refused rather than half-checked. */
const MAX_ENTRIES = 200_000;

/**
 * Refuse an extension folder holding a symbolic link that leads outside it (or nowhere). Node's
 * permission model follows links, so `lnk -> ../..` inside an extension that may read only its
 * folder would read Kith's database and vaults; copying a hostile folder with `cp -a` keeps such
 * links. Links that stay inside (npm's `node_modules/.bin`) are fine. Checked at every start of
 * its extension host: the folder may change between starts, and the extension can create none.
 */
export function assertNoEscapingLinks(root: string): void {
  const realRoot = fs.realpathSync(root);
  const pending = [realRoot];
  let seen = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES) {
        throw new KithError('KITH_ERR_MANIFEST_INVALID', `The extension folder holds more than ${MAX_ENTRIES} files and folders; it was not started`);
      }
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink() && !leadsInside(realRoot, full)) {
        throw new KithError(
          'KITH_ERR_MANIFEST_INVALID',
          `The extension folder holds a symbolic link that leads outside it or nowhere ("${path.relative(realRoot, full)}"); remove it (copy the folder without links) to run the extension`,
        );
      }
    }
  }
}

function leadsInside(realRoot: string, link: string): boolean {
  let target: string;
  try {
    target = fs.realpathSync(link);
  } catch {
    return false; // dangling, or a loop
  }
  const rel = path.relative(realRoot, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
