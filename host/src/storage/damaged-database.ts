/**
 * SQLite's "file is not a database" and "database disk image is malformed" (any of its extended
 * codes): the file is damaged, which is the disk's or a copy's doing, not a bug. Its own module so
 * the CLI can recognise it without loading the storage layer.
 */
export function isDamagedDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_'));
}

/** What a request that met the damage is told (the start says more, naming the file's path). */
export const DAMAGED_DATABASE_MESSAGE =
  'The database (kith.sqlite in the data folder) is damaged: this request could not be answered and nothing was changed. ' +
  'Restore the file from a backup, or stop Kith and move it aside to start with an empty one';
