import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { KithError } from '@kith/sdk';
import { privateFile } from './private-files.js';

/** The file whose lock says a Kith runs on this data dir. */
export const LOCK_FILE = 'kith.lock';

/** Held while a host uses a data dir; `release` lets the next one in. */
export interface DataDirLock {
  release(): void;
}

/**
 * One Kith per data dir. Two would share the database (WAL lets them) while each keeps its own
 * caches of what it holds: both drain the same outbound queue, keep their own receive marks and
 * unlock the same persona on two UDP ports. The lock is SQLite's own file lock on a small file
 * beside the database (exclusive locking mode keeps it from the first write until close), so the
 * OS drops it when the process ends however it ends: no stale lock after a kill -9. The database
 * itself stays readable by other programs (tools, backups) as WAL allows.
 */
export function lockDataDir(dataDir: string, nativeBinding?: unknown): DataDirLock {
  try {
    return takeLock(dataDir, nativeBinding);
  } catch (error) {
    // A lock file that is no SQLite file any more (damaged on disk) holds nothing of value: a
    // running Kith would hold its lock (SQLITE_BUSY, above), so nobody uses it. Start it afresh
    // rather than report a damaged database the user might move aside.
    if (!DAMAGED_CODES.has((error as { code?: string }).code ?? '')) throw error;
    fs.rmSync(path.join(dataDir, LOCK_FILE), { force: true });
    return takeLock(dataDir, nativeBinding);
  }
}

const DAMAGED_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function takeLock(dataDir: string, nativeBinding?: unknown): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  privateFile(file);
  const db = new Sqlite(file, { timeout: 0, ...(nativeBinding ? { nativeBinding: nativeBinding as string } : {}) });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = OFF'); // its rows do not matter: no journal file beside it
    db.exec(`CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL);
             BEGIN EXCLUSIVE; DELETE FROM holder; INSERT INTO holder VALUES (${process.pid}, ${Date.now()}); COMMIT;`);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new KithError('KITH_ERR_CONFLICT', `Another Kith is already running with the data folder ${dataDir}`, { dataDir });
    }
    throw error;
  }
  return { release: () => db.close() };
}
