import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIAGNOSTICS_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../extensions/diagnostics');

/**
 * A built-in extensions folder holding only the diagnostics extension (a link to
 * extensions/diagnostics), made under `dataDir`: the host keeps no diagnostics routes of its own,
 * so a host test that reads `/api/diagnostics/*` runs the extension that serves them.
 */
export function diagnosticsOnlyBuiltins(dataDir: string): string {
  const dir = path.join(dataDir, 'builtins');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.symlinkSync(DIAGNOSTICS_FOLDER, path.join(dir, 'diagnostics'), 'dir');
  return dir;
}
