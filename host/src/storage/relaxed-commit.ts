import type Sqlite from 'better-sqlite3';

/**
 * Run `write` as a commit that does not wait for the disk (`synchronous = NORMAL` for it alone;
 * the database runs FULL, see database.ts). Only for writes a power cut may undo without losing
 * anything: the state they record is rebuilt or repeated after a restart (rows marked in flight go
 * back to pending; an acknowledged row that comes back is sent again, the receiver's durable mark
 * answers it as a duplicate, and its report comes again). The next FULL commit makes it durable
 * anyway. Inside someone else's transaction the pragma cannot change; that commit decides.
 */
export function withoutWaitingForDisk<T>(sqlite: Sqlite.Database, write: () => T): T {
  if (sqlite.inTransaction) return write();
  sqlite.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    sqlite.pragma('synchronous = FULL');
  }
}
