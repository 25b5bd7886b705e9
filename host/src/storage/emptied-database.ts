import fs from 'node:fs';
import path from 'node:path';

/**
 * Refuse a `kith.sqlite` cut to 0 bytes when it cannot be new: its `-wal` holds data, or personas
 * exist (the host writes the database's first page when it opens it, before any persona can be
 * made). SQLite would open such a file as an empty database and delete the log beside it, so
 * every friend, message and extension's data would be gone in silence; a crash, a full disk or
 * a bad copy leaves such files. The same for a missing file beside a log that holds data. The
 * error carries SQLite's "not a database" code, so the start ends with the damaged-database
 * sentence and changes nothing. A missing file with no log is a fresh start.
 */
export function refuseEmptiedDatabase(dataDir: string, file: string): void {
  const size = sizeOf(file);
  const walBytes = sizeOf(`${file}-wal`) ?? 0;
  // Gone beside its log: SQLite would make a new database and cut the log to nothing.
  if (size === undefined && walBytes > 0) {
    throw Object.assign(new Error(`the file is missing while its log ${path.basename(file)}-wal holds ${walBytes} bytes`), { code: 'SQLITE_NOTADB' });
  }
  if (size !== 0) return;
  const personas = walBytes > 0 ? [] : personaVaults(dataDir);
  if (walBytes === 0 && personas.length === 0) return;
  const beside = walBytes > 0 ? `its log ${path.basename(file)}-wal holds ${walBytes} bytes` : `${personas.length} persona(s) exist in identities/`;
  throw Object.assign(new Error(`the file is empty (0 bytes) while ${beside}`), { code: 'SQLITE_NOTADB' });
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Folders under `identities/` holding a sealed persona (`identity.enc`). */
function personaVaults(dataDir: string): string[] {
  const root = path.join(dataDir, 'identities');
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return [];
  }
  return entries.filter((slug) => sizeOf(path.join(root, slug, 'identity.enc')) !== undefined);
}
