/**
 * How many blobs received files may use. The host keeps at most {@link HOST_MAX_BLOBS} blobs per
 * extension and persona (docs/blobs.md); past that every `ctx.blobs.create` fails, so no file
 * arrives from anyone and the user cannot upload or save a note either. A received file takes at
 * most its runs and its hash list while it arrives, and one blob once complete (complete-files.ts).
 * So an offer, and a waiting file about to start, is refused (`no-space`) when the blobs kept, plus
 * what the files arriving may still take, plus what it may take, would pass the cap less
 * {@link BLOB_RESERVE}: the reserve is for the user's own files (a sealed copy and a hash list each).
 */
import { KithError, type BlobId, type Blobs } from '@kith/sdk';
import { blockCount } from './block-hashes.js';
import type { TransferRecord } from './transfer-store.js';

/** The host's cap on blobs per extension and persona (`MAX_BLOBS` in the host's blob limits). */
export const HOST_MAX_BLOBS = 10_000;
/** Blobs received files leave free: 250 uploads or notes to self at once. */
export const BLOB_RESERVE = 500;
/** Most runs per transfer (each a blob); a block that would start one more waits for a later NACK. */
export const MAX_RUNS = 64;

/** The cap and the reserve (a test shrinks them; the host's cap does not change). */
export interface BlobBudget {
  readonly max: number;
  readonly reserve: number;
}

export const DEFAULT_BLOB_BUDGET: BlobBudget = { max: HOST_MAX_BLOBS, reserve: BLOB_RESERVE };

/** What the receiver shows for a file held because the blobs ran out (not the disk). */
export const TOO_MANY_FILES_TEXT = 'Paused: too many files are kept here. Nothing received is lost; the transfer continues once some files are deleted.';

/** Blobs `record` may still create before it is complete: a run per block up to the cap, and the hash list. */
export function blobsToArrive(record: Pick<TransferRecord, 'size' | 'bs' | 'runs' | 'hashesBlob'>): number {
  const n = blockCount(record.size, record.bs);
  if (n === 0) return 0;
  return Math.max(0, Math.min(n, MAX_RUNS) + 1 - record.runs.length - (record.hashesBlob ? 1 : 0));
}

/** Whether `wanted` more blobs fit beside `used` ones and `promised` to files arriving (an empty file wants none). */
export function blobsFit(budget: BlobBudget, used: number, promised: number, wanted: number): boolean {
  return wanted === 0 || used + promised + wanted <= budget.max - budget.reserve;
}

const BLOB_CAP = 'blob-cap';

/**
 * A new blob for a received file. `create` charges no bytes, so its `KITH_ERR_QUOTA` is the cap on
 * blobs: marked, so the hold says that rather than "the disk is full" ({@link isBlobCap}).
 */
export async function createBlob(blobs: Blobs): Promise<BlobId> {
  try {
    return await blobs.create();
  } catch (error) {
    if ((error as { code?: string }).code !== 'KITH_ERR_QUOTA') throw error;
    throw new KithError('KITH_ERR_QUOTA', (error as Error).message, { cause: BLOB_CAP });
  }
}

export function isBlobCap(error: unknown): boolean {
  return error instanceof KithError && error.code === 'KITH_ERR_QUOTA' && error.details?.cause === BLOB_CAP;
}
