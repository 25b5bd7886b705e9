import { KithError } from '@kith/sdk';

/** What a caller is told when SQLite could not write for want of room. */
const DISK_FULL_MESSAGE = 'The disk is full: nothing was stored. Free some space and try again';

/**
 * SQLite's "database or disk is full" (`SQLITE_FULL`: the file or its WAL could not grow), and a
 * file write's ENOSPC or EDQUOT, as `KITH_ERR_DISK_FULL` (507); any other error unchanged. A full disk is the machine's state, not a
 * bug: an extension's storage call or a reliable send answers it like any refusal, instead of
 * faulting the extension that happened to write first. SQLite rolls back the statement, so
 * nothing half-written stays.
 */
export function diskFullOr(error: unknown): unknown {
  return isSqliteFull(error) || isNoSpace(error) ? new KithError('KITH_ERR_DISK_FULL', DISK_FULL_MESSAGE) : error;
}

/** True for SQLite's full-disk error, or for a KithError that already says so. */
export function isDiskFull(error: unknown): boolean {
  return isSqliteFull(error) || isNoSpace(error) || codeOf(error) === 'KITH_ERR_DISK_FULL';
}

const codeOf = (error: unknown): unknown => (error instanceof Error ? (error as { code?: unknown }).code : undefined);
const isSqliteFull = (error: unknown) => codeOf(error) === 'SQLITE_FULL';
const isNoSpace = (error: unknown) => codeOf(error) === 'ENOSPC' || codeOf(error) === 'EDQUOT';
