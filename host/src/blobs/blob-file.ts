import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KithError } from '@kith/sdk';
import {
  CHUNK_BYTES, HEADER_BYTES, corrupt, ownCopy, decodeCommit, decodeHeader, encodeCommit, encodeHeader, openChunkInto, sealChunk, slotBytes, slotOffset,
  type CommitState,
} from './blob-format.js';
import { COMMIT_EVERY_BYTES, MAX_PIECE_BYTES, STREAM_PIECE_BYTES } from './blob-limits.js';

/** Hooks the store gives an append: quota accounting and "is this still allowed". */
export interface AppendHooks {
  /** Reserve `bytes` of quota or throw `KITH_ERR_QUOTA`. */
  charge(bytes: number): void;
  /** Give back reserved bytes that were rolled back. */
  refund(bytes: number): void;
  /** Throw when the append must stop (store closed, blob deleted). */
  check(): void;
}

/**
 * Slots sealed in memory before one write, and most slots one read opens: sealing or opening
 * 256 KiB of default chunks is the longest stretch a blob holds the event loop for (1 MiB took
 * 5-15 ms on a busy 2-core machine), so chat and calls do not wait long behind a file transfer.
 */
const BATCH_SLOTS = 4;
const READ_BYTES = 256 * 1024;

/**
 * One sealed blob on disk (format in blob-format.ts). Appends write whole chunks after the
 * committed ones and then replace the commit record atomically; a crash or a failure in between
 * leaves slots past the record, which {@link open} (or the failing append) cuts off. So the
 * durable blob is always the last commit, and committed slots are never written again.
 */
export class BlobFile {
  readonly id: string;
  readonly chunkBytes: number;
  readonly #file: string;
  readonly #commitFile: string;
  readonly #key: Uint8Array;
  #state: CommitState;

  private constructor(dir: string, id: string, key: Uint8Array, chunkBytes: number, state: CommitState) {
    this.id = id;
    this.#file = path.join(dir, id);
    this.#commitFile = commitFileOf(dir, id);
    this.#key = key;
    this.chunkBytes = chunkBytes;
    this.#state = state;
  }

  /** Write an empty blob: the commit record first, so a chunk file never lacks one. */
  static async create(dir: string, id: string, key: Uint8Array): Promise<BlobFile> {
    const state: CommitState = { chunks: 0, tail: new Uint8Array(0) };
    try {
      await writeAtomic(commitFileOf(dir, id), encodeCommit(key, id, state));
      await writeAtomic(path.join(dir, id), encodeHeader(key, id));
      await syncDir(dir);
    } catch (error) {
      await fsp.rm(commitFileOf(dir, id), { force: true });
      throw fsError(error);
    }
    return new BlobFile(dir, id, key, CHUNK_BYTES, state);
  }

  /** Open a blob, cutting off slots a crash left past its commit record. */
  static async open(dir: string, id: string, key: Uint8Array): Promise<BlobFile> {
    let handle: FileHandle;
    try {
      handle = await fsp.open(path.join(dir, id), 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new KithError('KITH_ERR_BLOB_NOT_FOUND', undefined, { id });
      throw error;
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
      const chunkBytes = decodeHeader(key, id, header.subarray(0, bytesRead));
      let record: Buffer;
      try {
        record = await fsp.readFile(commitFileOf(dir, id));
      } catch {
        throw corrupt('the commit record is missing');
      }
      const state = decodeCommit(key, id, chunkBytes, record);
      const committedEnd = slotOffset(chunkBytes, state.chunks);
      const { size } = await handle.stat();
      if (size < committedEnd) throw corrupt('the chunk file is shorter than its commit record says');
      if (size > committedEnd) await handle.truncate(committedEnd);
      return new BlobFile(dir, id, key, chunkBytes, state);
    } finally {
      await handle.close();
    }
  }

  /** Durable size in bytes. */
  get size(): number {
    return this.#state.chunks * this.chunkBytes + this.#state.tail.length;
  }

  /**
   * Append `pieces`, committing every {@link COMMIT_EVERY_BYTES} and at the end. On any failure the
   * blob goes back to its last commit and the reserved quota of the rest is refunded.
   */
  async append(pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, hooks: AppendHooks): Promise<number> {
    const chunk = this.chunkBytes;
    const slot = slotBytes(chunk);
    const pending = Buffer.alloc(chunk);
    pending.set(this.#state.tail);
    let fill = this.#state.tail.length;
    let chunks = this.#state.chunks;
    const batch = Buffer.allocUnsafe(BATCH_SLOTS * slot);
    let batched = 0;
    let uncommitted = 0;
    const handle = await fsp.open(this.#file, 'r+').catch((error: unknown) => {
      throw fsError(error, this.id);
    });
    const writeBatch = async () => {
      if (batched === 0) return;
      await writeAll(handle, batch.subarray(0, batched * slot), slotOffset(chunk, chunks - batched));
      batched = 0;
    };
    const commit = async () => {
      await writeBatch();
      await handle.datasync();
      const state = { chunks, tail: ownCopy(pending.subarray(0, fill)) };
      await writeAtomic(this.#commitFile, encodeCommit(this.#key, this.id, state));
      this.#state = state;
      uncommitted = 0;
      await syncDir(path.dirname(this.#file));
    };
    try {
      for await (const piece of pieces) {
        hooks.check();
        if (!(piece instanceof Uint8Array)) throw new KithError('KITH_ERR_BAD_REQUEST', 'append takes Uint8Array pieces');
        if (piece.length > MAX_PIECE_BYTES) throw new KithError('KITH_ERR_BAD_REQUEST', `an append piece is at most ${MAX_PIECE_BYTES} bytes`);
        hooks.charge(piece.length);
        uncommitted += piece.length;
        for (let at = 0; at < piece.length; ) {
          const n = Math.min(chunk - fill, piece.length - at);
          pending.set(piece.subarray(at, at + n), fill);
          fill += n;
          at += n;
          if (fill < chunk) continue;
          sealChunk(batch.subarray(batched * slot, (batched + 1) * slot), this.#key, this.id, chunks, pending);
          chunks++;
          batched++;
          fill = 0;
          if (batched === BATCH_SLOTS) await writeBatch();
        }
        if (uncommitted >= COMMIT_EVERY_BYTES) await commit();
      }
      hooks.check();
      await commit();
      return this.size;
    } catch (error) {
      hooks.refund(uncommitted);
      await handle.truncate(slotOffset(chunk, this.#state.chunks)).catch(() => undefined);
      throw fsError(error, this.id);
    } finally {
      await handle.close();
    }
  }

  /** Fill `out` with the bytes from `offset` on (the caller checked the range). */
  async read(offset: number, out: Buffer): Promise<void> {
    if (out.length === 0) return;
    const state = this.#state;
    const handle = await this.#openForReading();
    try {
      await this.#fill(handle, state, offset, out);
    } finally {
      await handle.close();
    }
  }

  /**
   * The bytes of `[offset, offset + length)` (checked by the caller) in pieces that end on
   * {@link STREAM_PIECE_BYTES} boundaries, each in a buffer of its own. Reads the last commit as
   * of the first piece; committed slots never change, so an append meanwhile does not disturb it.
   */
  async *stream(offset: number, length: number): AsyncGenerator<Buffer> {
    if (length === 0) return;
    const state = this.#state;
    const end = offset + length;
    const handle = await this.#openForReading();
    // Sealed bytes are read into one buffer for the whole stream (each piece yielded is its own).
    const sealed = Buffer.allocUnsafe(this.#sealedBytes(length));
    try {
      for (let at = offset; at < end; ) {
        const pieceEnd = Math.min(end, (Math.floor(at / STREAM_PIECE_BYTES) + 1) * STREAM_PIECE_BYTES);
        const out = Buffer.allocUnsafeSlow(pieceEnd - at);
        await this.#fill(handle, state, at, out, sealed);
        yield out;
        at = pieceEnd;
      }
    } finally {
      await handle.close();
    }
  }

  /** Most sealed bytes {@link #fill} reads at once within a range of `length` bytes: one read's slots, or the slots the range touches. */
  #sealedBytes(length: number): number {
    return Math.min(this.#slotsPerRead(), Math.ceil(length / this.chunkBytes) + 1) * slotBytes(this.chunkBytes);
  }

  #slotsPerRead(): number {
    return Math.max(1, Math.floor(READ_BYTES / this.chunkBytes));
  }

  async #openForReading(): Promise<FileHandle> {
    return fsp.open(this.#file, 'r').catch((error: unknown) => {
      throw fsError(error, this.id);
    });
  }

  /**
   * Read and open the slots `[offset, offset + out.length)` touches, straight into `out` where a
   * chunk lies wholly inside; the tail comes from the commit record.
   */
  async #fill(handle: FileHandle, state: CommitState, offset: number, out: Buffer, sealedScratch?: Buffer): Promise<void> {
    const chunk = this.chunkBytes;
    const slot = slotBytes(chunk);
    const end = offset + out.length;
    const first = Math.floor(offset / chunk);
    const last = Math.ceil(end / chunk);
    const sealedEnd = Math.min(last, state.chunks);
    const perRead = this.#slotsPerRead();
    const need = Math.min(perRead, sealedEnd - first) * slot;
    const sealed = sealedEnd <= first ? undefined : sealedScratch && sealedScratch.length >= need ? sealedScratch : Buffer.allocUnsafe(need);
    for (let batchStart = first; batchStart < sealedEnd; batchStart += perRead) {
      const slots = Math.min(perRead, sealedEnd - batchStart);
      const { bytesRead } = await handle.read(sealed!, 0, slots * slot, slotOffset(chunk, batchStart));
      if (bytesRead !== slots * slot) throw corrupt('the chunk file ends early', { chunk: batchStart });
      for (let i = 0; i < slots; i++) {
        const index = batchStart + i;
        const chunkStart = index * chunk;
        const from = Math.max(offset, chunkStart);
        const to = Math.min(end, chunkStart + chunk);
        const sealedSlot = sealed!.subarray(i * slot, (i + 1) * slot);
        if (to - from === chunk) {
          openChunkInto(out.subarray(from - offset, to - offset), sealedSlot, this.#key, this.id, index);
          continue;
        }
        const plain = scratch(chunk);
        try {
          openChunkInto(plain, sealedSlot, this.#key, this.id, index);
          plain.copy(out, from - offset, from - chunkStart, to - chunkStart);
        } finally {
          plain.fill(0);
        }
      }
    }
    if (last > state.chunks) {
      const tailStart = state.chunks * chunk;
      const from = Math.max(offset, tailStart);
      out.set(state.tail.subarray(from - tailStart, end - tailStart), from - offset);
    }
  }

  /** Remove both files (the chunk file first, so a crash leaves at most an orphan record). */
  async remove(): Promise<void> {
    await fsp.rm(this.#file, { force: true });
    await fsp.rm(this.#commitFile, { force: true });
  }
}

/**
 * One chunk of plaintext for chunks a range covers only in part. Opening and copying out are
 * synchronous, so one buffer serves every call; it is zeroed after each use.
 */
let scratchBuffer = Buffer.alloc(0);
function scratch(bytes: number): Buffer {
  if (scratchBuffer.length !== bytes) scratchBuffer = Buffer.allocUnsafeSlow(bytes);
  return scratchBuffer;
}

export function commitFileOf(dir: string, id: string): string {
  return path.join(dir, `${id}.commit`);
}

/**
 * ENOSPC (and a user quota) become `KITH_ERR_DISK_FULL`; a blob file gone (deleted while a call
 * waited) `KITH_ERR_BLOB_NOT_FOUND`; anything else passes through.
 */
export function fsError(error: unknown, id?: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new KithError('KITH_ERR_DISK_FULL');
  if (code === 'ENOENT' && id !== undefined) return new KithError('KITH_ERR_BLOB_NOT_FOUND', undefined, { id });
  return error;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Temp file, fsync, rename over `file`: `file` is the old or the new bytes. The caller fsyncs the
 * folder ({@link syncDir}) once it has recorded that the rename happened.
 */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await fsp.open(temp, 'wx', 0o600);
    try {
      await writeAll(handle, bytes, 0);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, file);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}

async function syncDir(dir: string): Promise<void> {
  const folder = await fsp.open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
