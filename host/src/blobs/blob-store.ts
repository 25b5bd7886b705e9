import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KithError, type BlobId, type BlobInfo, type BlobRange, type BlobUsage, type Blobs } from '@kith/sdk';
import { privateDir } from '../storage/private-files.js';
import { BLOB_ID_PATTERN, blobKey } from './blob-format.js';
import { BlobFile, commitFileOf, fsError } from './blob-file.js';
import { MAX_BLOBS, MAX_PIECE_BYTES } from './blob-limits.js';

export interface BlobStoreOptions {
  /** The folder of this extension's blobs for this persona. */
  readonly dir: string;
  readonly extensionId: string;
  /** The persona's at-rest key; throws `KITH_ERR_LOCKED` once the persona is locked. */
  readonly atRestKey: () => Uint8Array;
  readonly quotaBytes: number;
}

/**
 * The blobs of one extension for one persona (`ctx.blobs`). Appends to one blob run one after
 * another; reads see the last commit and may run beside an append. Usage is counted from disk on
 * first need and kept up to date afterwards. After {@link close} every call fails with
 * `KITH_ERR_LOCKED` and a running append stops at its next piece, back at its last commit.
 */
export class BlobStore implements Blobs {
  readonly #options: BlobStoreOptions;
  readonly #files = new Map<string, BlobFile>();
  readonly #keys = new Map<string, Buffer>();
  readonly #writes = new Map<string, Promise<unknown>>();
  readonly #deleting = new Set<string>();
  #usage: number | undefined;
  #closed = false;

  constructor(options: BlobStoreOptions) {
    this.#options = options;
  }

  async create(): Promise<BlobId> {
    this.#check();
    await this.#load();
    if (this.#files.size >= MAX_BLOBS) throw new KithError('KITH_ERR_QUOTA', `An extension keeps at most ${MAX_BLOBS} blobs per persona`);
    try {
      privateDir(path.dirname(this.#options.dir));
      privateDir(this.#options.dir);
    } catch (error) {
      throw fsError(error);
    }
    const id = randomBytes(16).toString('hex');
    const file = await BlobFile.create(this.#options.dir, id, this.#key(id));
    this.#check();
    this.#files.set(id, file);
    return id;
  }

  async append(id: BlobId, data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
    const pieces = asPieces(data);
    const file = await this.#file(id);
    return this.#serial(id, () =>
      file.append(pieces, {
        charge: (bytes) => {
          const used = this.#usage ?? 0;
          if (used + bytes > this.#options.quotaBytes) {
            throw new KithError('KITH_ERR_QUOTA', undefined, { quotaBytes: this.#options.quotaBytes, usedBytes: used });
          }
          this.#usage = used + bytes;
        },
        refund: (bytes) => {
          this.#usage = (this.#usage ?? bytes) - bytes;
        },
        check: () => {
          this.#check();
          if (this.#deleting.has(id)) throw new KithError('KITH_ERR_BLOB_NOT_FOUND', 'The blob was deleted during the append', { id });
        },
      }),
    );
  }

  async read(id: BlobId, range?: BlobRange): Promise<Uint8Array> {
    const file = await this.#file(id);
    const { offset, length } = checkRange(file.size, range);
    if (length > MAX_PIECE_BYTES) throw new KithError('KITH_ERR_BAD_REQUEST', `read returns at most ${MAX_PIECE_BYTES} bytes; use readStream`);
    const out = Buffer.allocUnsafeSlow(length);
    await file.read(offset, out);
    this.#check();
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  readStream(id: BlobId, range?: BlobRange): AsyncIterable<Uint8Array> {
    const store = this;
    return {
      async *[Symbol.asyncIterator]() {
        const file = await store.#file(id);
        const { offset, length } = checkRange(file.size, range);
        for await (const piece of file.stream(offset, length)) {
          store.#check();
          yield new Uint8Array(piece.buffer, piece.byteOffset, piece.length);
        }
      },
    };
  }

  async size(id: BlobId): Promise<number> {
    return (await this.#file(id)).size;
  }

  async list(): Promise<readonly BlobInfo[]> {
    this.#check();
    await this.#load();
    return [...this.#files.values()].map((f) => ({ id: f.id, size: f.size })).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async delete(id: BlobId): Promise<void> {
    let file: BlobFile;
    try {
      file = await this.#file(id);
    } catch (error) {
      if ((error as KithError).code !== 'KITH_ERR_BLOB_CORRUPT') throw error;
      // A damaged blob cannot be opened, but it can be removed.
      const bytes = await this.#damagedBytes(id);
      await fsp.rm(path.join(this.#options.dir, id), { force: true });
      await fsp.rm(commitFileOf(this.#options.dir, id), { force: true });
      if (this.#usage !== undefined) this.#usage = Math.max(0, this.#usage - bytes);
      return;
    }
    this.#deleting.add(id);
    try {
      await this.#writes.get(id)?.catch(() => undefined);
      await file.remove();
      if (this.#files.delete(id) && this.#usage !== undefined) this.#usage -= file.size;
      this.#keys.get(id)?.fill(0);
      this.#keys.delete(id);
    } finally {
      this.#deleting.delete(id);
    }
  }

  async usage(): Promise<BlobUsage> {
    this.#check();
    await this.#load();
    return { bytes: this.#usage ?? 0, quotaBytes: this.#options.quotaBytes, blobs: this.#files.size };
  }

  /** Lock, persona switch or the extension stopping: forget the keys; later calls fail. */
  close(): void {
    this.#closed = true;
    for (const key of this.#keys.values()) key.fill(0);
    this.#keys.clear();
    this.#files.clear();
  }

  #check(): void {
    if (this.#closed) {
      throw new KithError('KITH_ERR_LOCKED', `The blobs of "${this.#options.extensionId}" are closed: the persona was locked or switched, or the extension stopped`);
    }
  }

  #key(id: string): Buffer {
    this.#check();
    let key = this.#keys.get(id);
    if (!key) this.#keys.set(id, (key = blobKey(this.#options.atRestKey(), this.#options.extensionId, id)));
    return key;
  }

  async #file(id: BlobId): Promise<BlobFile> {
    this.#check();
    if (typeof id !== 'string' || !BLOB_ID_PATTERN.test(id)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A blob id is 32 lowercase hex characters');
    await this.#load();
    const file = this.#files.get(id);
    if (file) return file;
    // Not found by the scan, or damaged: opening it tells which (and throws).
    const opened = await BlobFile.open(this.#options.dir, id, this.#key(id));
    this.#files.set(id, opened);
    this.#usage = (this.#usage ?? 0) + opened.size;
    return opened;
  }

  /**
   * Open every blob once: recovers what a crash left, counts usage, and removes leftovers of
   * interrupted creates and deletes. A damaged blob is counted by its bytes on disk and left out of
   * the list; reading it answers `KITH_ERR_BLOB_CORRUPT`.
   */
  async #load(): Promise<void> {
    if (this.#usage !== undefined) return;
    let names: string[];
    try {
      names = await fsp.readdir(this.#options.dir);
    } catch {
      names = [];
    }
    const present = new Set(names);
    let usage = 0;
    for (const name of names) {
      if (name.startsWith('.') && name.includes('.tmp-')) await fsp.rm(path.join(this.#options.dir, name), { force: true });
      const orphan = /^([0-9a-f]{32})\.commit$/.exec(name);
      if (orphan && !present.has(orphan[1]!)) await fsp.rm(path.join(this.#options.dir, name), { force: true });
      if (!BLOB_ID_PATTERN.test(name)) continue;
      try {
        const file = await BlobFile.open(this.#options.dir, name, this.#key(name));
        this.#files.set(name, file);
        usage += file.size;
      } catch (error) {
        if ((error as KithError).code !== 'KITH_ERR_BLOB_CORRUPT') throw error;
        usage += await this.#damagedBytes(name);
      }
    }
    this.#check();
    this.#usage ??= usage;
  }

  /** What a damaged blob counts against the quota: its chunk file's bytes. */
  async #damagedBytes(id: string): Promise<number> {
    return (await fsp.stat(path.join(this.#options.dir, id)).catch(() => ({ size: 0 }))).size;
  }

  /** Run `work` after every earlier write to blob `id`. */
  #serial<T>(id: string, work: () => Promise<T>): Promise<T> {
    const before = this.#writes.get(id) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(work);
    this.#writes.set(id, run);
    const forget = () => {
      if (this.#writes.get(id) === run) this.#writes.delete(id);
    };
    run.then(forget, forget);
    return run;
  }
}

/** `{ offset, length }` within `size`: `KITH_ERR_BAD_REQUEST` when malformed, `KITH_ERR_RANGE` past the end. */
export function checkRange(size: number, range: BlobRange | undefined): { offset: number; length: number } {
  if (range !== undefined && (typeof range !== 'object' || range === null)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A range is { offset?, length? }');
  const offset = range?.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new KithError('KITH_ERR_BAD_REQUEST', 'offset is a whole number from 0');
  const length = range?.length ?? Math.max(0, size - offset);
  if (!Number.isSafeInteger(length) || length < 0) throw new KithError('KITH_ERR_BAD_REQUEST', 'length is a whole number from 0');
  if (offset + length > size) throw new KithError('KITH_ERR_RANGE', `Bytes ${offset}..${offset + length} reach past the end of the blob (${size} bytes)`, { size });
  return { offset, length };
}

function asPieces(data: unknown): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) return [data];
  if (data !== null && typeof data === 'object' && (Symbol.asyncIterator in data || Symbol.iterator in data)) {
    return data as Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  }
  throw new KithError('KITH_ERR_BAD_REQUEST', 'append takes a Uint8Array or an (async) iterable of them');
}
