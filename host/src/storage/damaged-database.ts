/**
 * SQLite's "file is not a database" and "database disk image is malformed" (any of its extended
 * codes): the file is damaged, which is the disk's or a copy's doing, not a bug. Its own module so
 * the CLI can recognise it without loading the storage layer.
 */
export function isDamagedDatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_'));
}
