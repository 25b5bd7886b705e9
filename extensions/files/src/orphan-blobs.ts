import type { ExtensionContext } from '@kith/sdk';
import type { TransferRecord } from './transfer-store.js';

/**
 * Delete the blobs no transfer names. A blob is created before the row that names it is saved,
 * so a kill -9, a crash or a lock between the two leaves one behind, counted against the quota
 * for good. Run at activation, after every row was read and before anything creates a blob: a
 * row that could not be read stops the start before this (its blobs are never taken for orphans).
 */
export async function deleteOrphanBlobs(ctx: ExtensionContext, records: Iterable<TransferRecord>): Promise<number> {
  const named = new Set<string>();
  for (const record of records) {
    for (const blob of [record.vault, record.hashesBlob, ...record.runs.map((run) => run.blob)]) if (blob) named.add(blob);
  }
  let deleted = 0;
  for (const blob of await ctx.blobs.list()) {
    if (named.has(blob.id)) continue;
    await ctx.blobs.delete(blob.id);
    deleted++;
  }
  if (deleted > 0) ctx.log.info('blobs no transfer names were deleted', { deleted });
  return deleted;
}
