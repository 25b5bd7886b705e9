/**
 * The real Sender and Receiver (and TransferBook) on an in-memory context, driven event by event
 * as a hostile friend would drive them: no bus, no disk, so a test can count exactly what an
 * attack makes them send, store and compute (CPU time of this process). Only what the two classes
 * use of the context is here: blobs (a vault may be "virtual": zeros of a size, never held),
 * sessions (every send recorded, decoded), log, events (every one recorded), streams (ids for an
 * upload). {@link faults} makes the disk refuse what a full one refuses; {@link maxBlobs} is the
 * host's cap on blobs, refused as the host refuses it.
 */
import { randomBytes } from 'node:crypto';
import type { ExtensionContext, InboundEvent } from '@kith/sdk';
import { blockCount, HASH_BYTES } from '../../src/block-hashes.js';
import { Receiver, type ReceiverOptions } from '../../src/receiver.js';
import { Sender } from '../../src/sender.js';
import { TransferBook } from '../../src/transfer-book.js';
import type { TransferRecord, TransferStore } from '../../src/transfer-store.js';

export const FRIEND = 'f'.repeat(64);

export interface SentEvent {
  readonly kind: string;
  readonly header: Record<string, unknown>;
  readonly bytes: number;
  readonly bulk: boolean;
  readonly peer?: string;
}

/** What a full disk refuses, each as the error the host's member would throw. */
export interface DiskFaults {
  /** `ctx.blobs.create` and `append`. */
  blobs?: Error;
  /** The transfer store's writes (the database). */
  store?: Error;
  /** Reliable sends, whose queue row could not be written (bulk sends are never written). */
  queue?: Error;
}

interface Blob {
  parts: Uint8Array[];
  size: number;
  /** Reads give zeros: a large vault without the memory. */
  virtual: boolean;
}

/** A store that only counts: rows by id, and how many saves it took. */
export class CountingStore {
  readonly rows = new Map<string, TransferRecord>();
  saves = 0;
  constructor(private readonly faults: DiskFaults) {}
  async save(record: TransferRecord): Promise<void> {
    if (this.faults.store) throw this.faults.store;
    this.saves++;
    this.rows.set(record.id, JSON.parse(JSON.stringify(record)) as TransferRecord);
  }
  async all(): Promise<TransferRecord[]> {
    return [...this.rows.values()];
  }
  async remove(id: string): Promise<void> {
    this.rows.delete(id);
  }
}

export class InMemoryFiles {
  readonly sent: SentEvent[] = [];
  readonly blobs = new Map<string, Blob>();
  /** Set to make the disk refuse writes. */
  readonly faults: DiskFaults = {};
  readonly store = new CountingStore(this.faults);
  /** Every `ctx.events.emit`, in order. */
  readonly emitted: { name: string; data: Record<string, unknown> }[] = [];
  readonly book: TransferBook;
  readonly sender: Sender;
  readonly receiver: Receiver;
  private next = 0;
  sessionOpen = true;
  /** Friends of this side: a send to anyone else is refused as the bus refuses it; sessions are open with each. */
  readonly friends = new Set<string>([FRIEND]);
  /** What `ctx.blobs.usage()` says the quota is. */
  quotaBytes = 2 ** 40;
  /** Blobs `ctx.blobs.create` makes at most (the host's cap: `KITH_ERR_QUOTA` past it). */
  maxBlobs = Infinity;

  constructor(options: ReceiverOptions = {}) {
    const blobs = {
      create: async () => {
        if (this.faults.blobs) throw this.faults.blobs;
        if (this.blobs.size >= this.maxBlobs) throw Object.assign(new Error(`An extension keeps at most ${this.maxBlobs} blobs per persona`), { code: 'KITH_ERR_QUOTA' });
        const id = `b${this.next++}`;
        this.blobs.set(id, { parts: [], size: 0, virtual: false });
        return id;
      },
      append: async (id: string, data: Uint8Array | Uint8Array[] | Iterable<Uint8Array> | AsyncIterable<Uint8Array>) => {
        if (this.faults.blobs) throw this.faults.blobs;
        const blob = this.blob(id);
        if (data instanceof Uint8Array || Array.isArray(data)) {
          for (const part of data instanceof Uint8Array ? [data] : data) blob.parts.push(part), (blob.size += part.length);
        } else {
          // Pieces as they come (a copy from other blobs): each is kept as the host would have written it.
          for await (const part of data) blob.parts.push(part.slice()), (blob.size += part.length);
        }
        return blob.size;
      },
      size: async (id: string) => this.blob(id).size,
      read: async (id: string) => Buffer.concat(this.blob(id).parts),
      delete: async (id: string) => void this.blobs.delete(id),
      usage: async () => ({ bytes: this.storedBytes(), quotaBytes: this.quotaBytes, blobs: this.blobs.size }),
      readStream: (id: string, range: { offset: number; length: number }) => this.readStream(id, range),
    };
    const ctx = {
      blobs,
      sessions: {
        get: (peer: string) => (this.sessionOpen && this.friends.has(peer) ? { peer } : undefined),
        send: async (peer: string, _stream: string, kind: string, header: Record<string, unknown>, payload?: Uint8Array, options?: { priority?: string }) => {
          if (!this.friends.has(peer)) throw Object.assign(new Error('That peer is not a friend of this persona: nothing can be sent to it'), { code: 'KITH_ERR_NOT_FOUND' });
          const bulk = options?.priority === 'bulk';
          if (!bulk && this.faults.queue) throw this.faults.queue;
          this.sent.push({ kind, header, bytes: payload?.length ?? 0, bulk, peer });
          await Promise.resolve();
          return { seq: this.sent.length };
        },
      },
      log: { warn() {}, info() {}, error() {}, debug() {} },
      streams: { random: () => randomBytes(16).toString('hex') },
      events: { emit: (name: string, data: Record<string, unknown>) => void this.emitted.push({ name, data }) },
    } as unknown as ExtensionContext;
    this.book = new TransferBook(ctx, this.store as unknown as TransferStore);
    this.sender = new Sender(this.book);
    this.receiver = new Receiver(this.book, options);
  }

  private blob(id: string): Blob {
    const blob = this.blobs.get(id);
    if (!blob) throw Object.assign(new Error(`no blob ${id}`), { code: 'KITH_ERR_NOT_FOUND' });
    return blob;
  }

  private async *readStream(id: string, { offset, length }: { offset: number; length: number }): AsyncIterable<Uint8Array> {
    const blob = this.blob(id);
    const whole = blob.virtual ? null : Buffer.concat(blob.parts);
    for (let at = offset; at < offset + length; at += 1024 * 1024) {
      const end = Math.min(offset + length, at + 1024 * 1024);
      yield whole ? whole.subarray(at, end) : new Uint8Array(end - at);
    }
  }

  /** An event from the friend (or from `peer`). */
  event(kind: string, payload = new Uint8Array(0), peer = FRIEND): InboundEvent {
    return { peer, peerId: 'p', stream: '', seq: 0, kind, flags: {} as InboundEvent['flags'], header: {}, payload };
  }

  /** Bytes held in (real) blobs. */
  storedBytes(): number {
    let bytes = 0;
    for (const blob of this.blobs.values()) if (!blob.virtual) bytes += blob.size;
    return bytes;
  }

  /** A file this side sends the friend, offered and with its sealed copy (zeros) and hash list in place. */
  async outgoing(size: number, bs = 64 * 1024): Promise<TransferRecord> {
    const vault = await this.blobs_create(size, true);
    const hashesBlob = await this.blobs_create(blockCount(size, bs) * HASH_BYTES, false);
    const record: TransferRecord = {
      id: (this.next++).toString(16).padStart(32, '0'), direction: 'out', peer: FRIEND, name: 'x.bin', mime: 'application/octet-stream',
      size, bs, root: '0'.repeat(64), createdAt: Date.now(), state: 'offered', paused: false, error: null, vault, hashesBlob, runs: [],
      payloadBytes: 0, completedAt: null,
    };
    await this.book.save(record);
    return record;
  }

  private async blobs_create(size: number, virtual: boolean): Promise<string> {
    const id = `b${this.next++}`;
    this.blobs.set(id, { parts: virtual ? [] : [new Uint8Array(size)], size, virtual });
    return id;
  }

  /** Bytes of payload sent in events of `kind` (from `since`, an index into {@link sent}). */
  bytesOf(kind: string, since = 0): number {
    let total = 0;
    for (let k = since; k < this.sent.length; k++) if (this.sent[k]!.kind === kind) total += this.sent[k]!.bytes;
    return total;
  }

  countOf(kind: string, since = 0): number {
    let count = 0;
    for (let k = since; k < this.sent.length; k++) if (this.sent[k]!.kind === kind) count++;
    return count;
  }

  /** Wait until the sender's pump has stopped sending (nothing new for a few turns of the loop). */
  async settle(): Promise<void> {
    let last = -1;
    let quiet = 0;
    while (quiet < 3) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      quiet = this.sent.length === last ? quiet + 1 : 0;
      last = this.sent.length;
    }
  }
}

/** CPU time (user + system, ms) `run` takes in this process. */
export async function cpuMs(run: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
