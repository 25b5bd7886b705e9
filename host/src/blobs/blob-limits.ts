/** Bounds of `ctx.blobs` (docs/blobs.md). */

/** Quota when the manifest sets no `kith.blobQuotaBytes`. */
export const DEFAULT_BLOB_QUOTA_BYTES = 2 ** 30;
/** The largest `kith.blobQuotaBytes` a manifest may ask for. */
export const MAX_BLOB_QUOTA_BYTES = 2 ** 40;
/** Largest piece one append takes, and largest `read`. */
export const MAX_PIECE_BYTES = 16 * 2 ** 20;
/** Blobs per extension and persona. */
export const MAX_BLOBS = 10_000;
/** Pieces `readStream` yields are at most this long. */
export const STREAM_PIECE_BYTES = 2 ** 20;
/** A long append makes what it wrote durable (and resumable) at least this often. */
export const COMMIT_EVERY_BYTES = 8 * 2 ** 20;
