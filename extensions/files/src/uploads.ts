/**
 * Files coming from the page into the sender's vault: a staged upload (begin → chunks → commit,
 * where one chunk may be the whole file as one streamed body) or a small file in one JSON request.
 * Bytes are hashed block by block on their way into the sealed blob; commit checks the size,
 * stores the hash list, and queues the offer (durable: it waits for an offline friend).
 */
import { KithError, type PeerKey } from '@kith/sdk';
import { StreamingBlockHasher, toHex } from './block-hashes.js';
import { filesErrors } from './files-errors.js';
import { filesOffer, filesPause, MAX_BLOCK_BYTES, MAX_FILE_BYTES } from './files-kinds.js';
import { sanitizeMime, sanitizeName } from './safe-names.js';
import { piecesOf } from './byte-pieces.js';
import type { TransferBook } from './transfer-book.js';
import type { TransferRecord } from './transfer-store.js';

export const BLOCK_BYTES = MAX_BLOCK_BYTES;
/**
 * Uploads begun and not yet committed or cancelled, per persona. Each holds a vault blob and a
 * record until it ends (a page that went away leaves it for the user to cancel), so a page or
 * script calling begin in a loop must meet a bound; dropping a few hundred files at once stays
 * under it.
 */
export const MAX_OPEN_UPLOADS = 256;
/**
 * An upload that received nothing for this long is given up (its page went away: a closed tab, a
 * crash), its sealed bytes freed and the row marked failed with why; a page that is still there
 * retries a failed chunk within seconds.
 */
export const UPLOAD_IDLE_MS = 60 * 60_000;
/** A one-shot body goes to the chunk path in views this large (a blob append takes at most 16 MiB a piece). */
const ONE_SHOT_PIECE_BYTES = 1024 * 1024;

export interface UploadRecord extends TransferRecord {
  /** Chunks uploaded so far (the next `idx`). */
  chunks?: number;
  /** When a byte last arrived (or the upload began); absent in records before it was kept. */
  touchedAt?: number;
}

export class Uploads {
  private readonly hashers = new Map<string, StreamingBlockHasher>();
  /** Uploads whose chunk request is running now: never idle, however long the request takes. */
  private readonly receiving = new Map<string, number>();
  /** Uploads being given up (cancelled, or idle too long) while their blobs are deleted. */
  private readonly ending = new Map<string, Promise<void>>();

  constructor(
    private readonly book: TransferBook,
    private readonly idleMs = UPLOAD_IDLE_MS,
  ) {}

  private get ctx() {
    return this.book.ctx;
  }

  async begin(peer: PeerKey | null, file: { name: unknown; mime?: unknown; size: unknown }): Promise<UploadRecord> {
    const { size } = file;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new KithError('KITH_ERR_BAD_REQUEST', 'size must be a whole number of bytes');
    if (size > MAX_FILE_BYTES) throw filesErrors.create('TOO_LARGE', `The file is ${size} bytes; the limit is ${MAX_FILE_BYTES} bytes (16 GiB)`);
    if (typeof file.name !== 'string' || file.name.length === 0 || file.name.length > 1024) throw new KithError('KITH_ERR_BAD_REQUEST', 'name must be 1 to 1024 characters');
    if (this.openCount() >= MAX_OPEN_UPLOADS) {
      throw new KithError('KITH_ERR_RATE_LIMITED', `${MAX_OPEN_UPLOADS} files are being uploaded already: let some finish, or cancel them, before adding more`);
    }
    const usage = await this.ctx.blobs.usage();
    if (usage.bytes + size > usage.quotaBytes) throw filesErrors.create('TOO_LARGE', 'There is no room left for files');
    const record: UploadRecord = {
      id: this.ctx.streams.random(), direction: peer ? 'out' : 'self', peer, name: sanitizeName(file.name), mime: sanitizeMime(file.mime),
      size, bs: BLOCK_BYTES, root: '', createdAt: Date.now(), state: 'uploading', paused: false, error: null,
      vault: await this.ctx.blobs.create(), hashesBlob: null, runs: [], payloadBytes: 0, completedAt: null, chunks: 0, touchedAt: Date.now(),
    };
    // No hasher yet: the first chunk makes one (hasherFor), so an upload that never sends a byte costs no buffer.
    this.book.progress.set(record.id, () => 0);
    await this.book.save(record);
    return record;
  }

  /**
   * Append one chunk. `idx` must be the next chunk number, or `offset` the bytes uploaded so far
   * (after a failed chunk, continue from the `received_bytes` the error or GET reported).
   */
  async chunk(record: UploadRecord, position: { idx?: number; offset?: number }, body: AsyncIterable<Uint8Array>): Promise<number> {
    this.assertOpen(record);
    this.receiving.set(record.id, (this.receiving.get(record.id) ?? 0) + 1);
    try {
      return await this.append(record, record.vault, position, body);
    } finally {
      const left = this.receiving.get(record.id)! - 1;
      if (left > 0) this.receiving.set(record.id, left);
      else this.receiving.delete(record.id);
    }
  }

  private async append(record: UploadRecord, vault: string, position: { idx?: number; offset?: number }, body: AsyncIterable<Uint8Array>): Promise<number> {
    const have = await this.ctx.blobs.size(vault);
    if (position.offset !== undefined ? position.offset !== have : position.idx !== record.chunks) {
      const expected = position.offset !== undefined ? `Expected offset ${have}`
        : record.chunks !== undefined ? `Expected idx ${record.chunks}`
        : `A chunk failed after part of it was stored, so chunk numbers no longer apply: continue with ?offset=${have}`;
      throw filesErrors.create('OUT_OF_ORDER', expected, { received_bytes: have });
    }
    const hasher = await this.hasherFor(record, have);
    const limit = record.size - have;
    let seen = 0;
    const bounded = async function* (): AsyncIterable<Uint8Array> {
      for await (const piece of body) {
        seen += piece.length;
        if (seen > limit) throw filesErrors.create('SIZE_MISMATCH', `The chunk goes past the declared size of ${record.size} bytes`);
        yield piece;
      }
    };
    try {
      const size = await this.ctx.blobs.append(vault, hasher.pass(bounded()));
      // Numbering lost to a part-stored chunk stays lost: the client goes on by offset.
      if (record.chunks !== undefined) record.chunks++;
      record.touchedAt = Date.now();
      this.book.progress.set(record.id, () => size);
      await this.book.save(record);
      return size;
    } catch (error) {
      // The blob kept its last commit; the hasher may be ahead of it. Rebuild on the next chunk.
      this.hashers.delete(record.id);
      // Nothing of the chunk kept: the same idx may be sent again. Part of it kept: only an
      // offset can say where to go on.
      const kept = await this.ctx.blobs.size(vault).catch(() => undefined);
      if (kept !== have) record.chunks = undefined;
      record.touchedAt = Date.now();
      await this.book.save(record);
      throw error;
    }
  }

  async commit(record: UploadRecord): Promise<UploadRecord> {
    this.assertOpen(record);
    const size = await this.ctx.blobs.size(record.vault);
    if (size !== record.size) throw filesErrors.create('SIZE_MISMATCH', `${size} of ${record.size} bytes arrived`, { received_bytes: size });
    const hasher = await this.hasherFor(record, size);
    this.hashers.delete(record.id);
    const { hashes, root } = hasher.finish();
    const hashesBlob = await this.ctx.blobs.create();
    if (hashes.length > 0) await this.ctx.blobs.append(hashesBlob, hashes);
    record.hashesBlob = hashesBlob;
    record.root = toHex(root);
    delete record.chunks;
    if (record.direction === 'self') {
      record.state = 'complete';
      record.completedAt = Date.now();
      await this.book.save(record);
      return record;
    }
    record.state = 'offered';
    this.book.progress.set(record.id, () => (record.state === 'complete' ? record.size : 0));
    await this.book.save(record);
    const offer = { id: record.id, name: record.name, size: record.size, mime: record.mime, root: record.root, bs: record.bs, ts: record.createdAt };
    await this.book.send(record, filesOffer, offer);
    // Paused while it was still uploading: the friend learns it with the offer (same stream, in order).
    if (record.paused) await this.book.send(record, filesPause, { id: record.id, paused: true });
    return record;
  }

  /** A small file in one request: begin, one chunk, commit. */
  async oneShot(peer: PeerKey | null, file: { name: unknown; mime?: unknown }, bytes: Uint8Array): Promise<UploadRecord> {
    const record = await this.begin(peer, { ...file, size: bytes.length });
    try {
      // Taken whole, then in pieces the size of a streamed upload's.
      await this.chunk(record, { idx: 0 }, piecesOf(bytes, ONE_SHOT_PIECE_BYTES));
      return await this.commit(record);
    } catch (error) {
      // The client hears the error; the row says the same rather than a cancel nobody made.
      await this.end(record, 'failed', `The file could not be stored: ${(error as Error).message}`);
      throw error;
    }
  }

  /** After a start: an unfinished upload's progress is what its sealed copy holds (a client goes on from there). */
  async restore(): Promise<void> {
    for (const record of this.book.records.values()) {
      if (record.state !== 'uploading' || !record.vault) continue;
      const size = await this.ctx.blobs.size(record.vault).catch(() => 0);
      this.book.progress.set(record.id, () => size);
    }
  }

  async abort(record: TransferRecord, why = 'Cancelled'): Promise<void> {
    await this.end(record, 'cancelled', why);
  }

  /** Give up uploads idle for longer than the limit (called every tick; a loop over memory). */
  async expireIdle(now = Date.now()): Promise<void> {
    const idle = (record: UploadRecord) =>
      record.state === 'uploading' && !this.receiving.has(record.id) && !this.ending.has(record.id) && now - (record.touchedAt ?? record.createdAt) >= this.idleMs;
    for (const record of [...this.book.records.values()] as UploadRecord[]) {
      if (!idle(record)) continue;
      const have = record.vault ? await this.ctx.blobs.size(record.vault).catch(() => 0) : 0;
      // A chunk, a cancel or another tick may have come while the size was read.
      if (!idle(record)) continue;
      const quiet = this.idleMs >= 60_000 ? `${Math.round(this.idleMs / 60_000)} min` : `${Math.round(this.idleMs / 1000)} s`;
      await this.end(record, 'failed', `The upload stopped at ${have} of ${record.size} bytes (nothing arrived for ${quiet}); attach the file again to send it`);
    }
  }

  /**
   * Give the upload up. Marked before the first await, so a cancel and an idle tick that overlap
   * end it once (the second waits for the first) and a chunk or commit arriving meanwhile is
   * refused; the new state shows only once the blobs are gone.
   */
  private end(record: TransferRecord, state: 'cancelled' | 'failed', why: string): Promise<void> {
    const running = this.ending.get(record.id);
    if (running) return running;
    const ended = (async () => {
      this.hashers.delete(record.id);
      for (const blob of [record.vault, record.hashesBlob]) if (blob) await this.ctx.blobs.delete(blob).catch(() => undefined);
      record.vault = null;
      record.hashesBlob = null;
      record.state = state;
      record.error = why;
      delete (record as UploadRecord).chunks;
      await this.book.save(record);
    })().finally(() => this.ending.delete(record.id));
    this.ending.set(record.id, ended);
    return ended;
  }

  /** Refuses a chunk or commit for an upload that is committed, cancelled or being given up. */
  private assertOpen<R extends TransferRecord>(record: R): asserts record is R & { vault: string } {
    if (record.state !== 'uploading' || !record.vault || this.ending.has(record.id)) throw filesErrors.create('BAD_STATE', 'The upload is already committed or cancelled');
  }

  private openCount(): number {
    let open = 0;
    for (const record of this.book.records.values()) if (record.state === 'uploading') open++;
    return open;
  }

  /** The hasher for an upload; after a restart or a failed chunk, rebuilt from what the vault holds. */
  private async hasherFor(record: TransferRecord, have: number): Promise<StreamingBlockHasher> {
    const current = this.hashers.get(record.id);
    if (current && current.size === have) return current;
    const hasher = new StreamingBlockHasher(record.bs);
    if (have > 0) for await (const piece of this.ctx.blobs.readStream(record.vault!, { offset: 0, length: have })) hasher.update(piece);
    this.hashers.set(record.id, hasher);
    return hasher;
  }
}
