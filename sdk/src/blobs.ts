/**
 * `ctx.blobs`: large files the extension keeps for the active persona, sealed on disk in chunks so
 * any byte range opens without reading the rest. Every call is async and takes or returns plain
 * data (ids, numbers, bytes), so the API can cross a process boundary later.
 */

/** A blob's id: 32 lowercase hex characters, chosen by the host at {@link Blobs.create}. */
export type BlobId = string;

/** A byte range. Both default to the whole blob from `offset`. */
export interface BlobRange {
  /** First byte, from 0. Default: 0. */
  readonly offset?: number;
  /** Bytes to read. Default: up to the end. `offset + length` past the end is `KITH_ERR_RANGE`. */
  readonly length?: number;
}

/** One blob in {@link Blobs.list}. */
export interface BlobInfo {
  readonly id: BlobId;
  /** Bytes of content (durable: what a read after a crash would see). */
  readonly size: number;
}

/** What the extension's blobs use for this persona, against its quota. */
export interface BlobUsage {
  /** Content bytes in all of the extension's blobs for this persona. */
  readonly bytes: number;
  /** `kith.blobQuotaBytes` from the manifest, or the host's default. */
  readonly quotaBytes: number;
  readonly blobs: number;
}

/**
 * Sealed blob storage per extension and persona. Blobs grow only by appending; reads take any
 * byte range. Every byte an `append` wrote is durable once its promise resolves.
 *
 * Errors: `KITH_ERR_BLOB_NOT_FOUND`, `KITH_ERR_RANGE` (a read past the end),
 * `KITH_ERR_QUOTA` (the append would pass `blobQuotaBytes`), `KITH_ERR_DISK_FULL` (the disk
 * is full), `KITH_ERR_BLOB_CORRUPT` (the bytes on disk were changed), `KITH_ERR_BAD_REQUEST`
 * (a malformed id, range or piece), `KITH_ERR_LOCKED` (the persona was locked or switched, or the
 * extension stopped). A long append commits every 8 MiB; one that fails (or a crash) leaves the
 * blob at its last commit, so ask {@link size} where to resume.
 */
export interface Blobs {
  /** A new empty blob. */
  create(): Promise<BlobId>;
  /**
   * Append bytes: one piece, or pieces as they come (a network transfer). Pieces are at most
   * 16 MiB each. Resolves once everything is durable, with the new size.
   */
  append(id: BlobId, data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number>;
  /** The bytes of a range, at most 16 MiB (use {@link readStream} for more). */
  read(id: BlobId, range?: BlobRange): Promise<Uint8Array>;
  /**
   * The bytes of a range, in pieces of up to 1 MiB (an HTTP Range answer, a `<video>`). It reads
   * the blob as it was when iteration began; errors (a range past the end, a missing blob) reject
   * the first step of the iteration.
   */
  readStream(id: BlobId, range?: BlobRange): AsyncIterable<Uint8Array>;
  /** Durable size in bytes. */
  size(id: BlobId): Promise<number>;
  /** Every blob of the extension for this persona, sorted by id. */
  list(): Promise<readonly BlobInfo[]>;
  /** Remove a blob; `KITH_ERR_BLOB_NOT_FOUND` when it does not exist. */
  delete(id: BlobId): Promise<void>;
  /** Bytes used and the quota. */
  usage(): Promise<BlobUsage>;
}
