/**
 * The transfers of this persona in memory, written through to the sealed store, and what the page
 * hears about them (`files:transfer`, at most every 250 ms per transfer while bytes move).
 */
import { SLOT_ENTRIES_CHANGED, type ExtensionContext, type KindCodec } from '@kith/sdk';
import type { TransferRecord, TransferStore } from './transfer-store.js';

const EMIT_EVERY_MS = 250;

/** A transfer as routes answer it and the page sees it (the reference's field names). */
export interface TransferJson {
  transfer_id: string;
  direction: TransferRecord['direction'];
  peer: string | null;
  name: string;
  mime: string;
  size: number;
  bytes_done: number;
  state: TransferRecord['state'];
  paused: boolean;
  error: string | null;
  root: string;
  created_at: number;
  completed_at: number | null;
  payload_bytes: number;
  /** Whether the bytes can be opened here (a sender's copy goes once the friend confirmed). */
  available: boolean;
}

export class TransferBook {
  readonly records = new Map<string, TransferRecord>();
  /** How many bytes each transfer has, as its side knows it (set by sender and receiver). */
  readonly progress = new Map<string, () => number>();
  private readonly lastEmit = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** Incoming records per friend, kept as records come and go (the receiver bounds them, offer-limits.ts). */
  private readonly incomingCount = new Map<string, number>();

  constructor(
    readonly ctx: ExtensionContext,
    private readonly store: TransferStore,
  ) {}

  async load(): Promise<void> {
    for (const record of await this.store.all()) {
      this.records.set(record.id, record);
      this.countIncoming(record, 1);
    }
  }

  /** Incoming records from `peer` here, in any state. */
  incomingFrom(peer: string): number {
    return this.incomingCount.get(peer) ?? 0;
  }

  private countIncoming(record: TransferRecord, change: 1 | -1): void {
    if (record.direction !== 'in' || !record.peer) return;
    const count = (this.incomingCount.get(record.peer) ?? 0) + change;
    if (count > 0) this.incomingCount.set(record.peer, count);
    else this.incomingCount.delete(record.peer);
  }

  get(id: string): TransferRecord | undefined {
    return this.records.get(id);
  }

  /**
   * Write `record` through and tell the page. A write the store refuses (a full disk) still tells
   * the page what this side knows, and stays due for {@link flushDirty}.
   */
  async save(record: TransferRecord): Promise<void> {
    const added = !this.records.has(record.id);
    this.records.set(record.id, record);
    // A new file in a conversation: chat's timeline reads its entries again.
    if (added) {
      this.entriesChanged(record);
      this.countIncoming(record, 1);
    }
    this.dirty.delete(record.id);
    try {
      await this.store.save(this.withProgress(record));
    } catch (error) {
      this.dirty.add(record.id);
      throw error;
    } finally {
      this.emit(record, true);
    }
  }

  /** Counters changed: saved by {@link flushDirty} a little later, not on every block. */
  touch(record: TransferRecord): void {
    this.dirty.add(record.id);
    this.emit(record, false);
  }

  async flushDirty(): Promise<void> {
    for (const id of [...this.dirty]) {
      const record = this.records.get(id);
      this.dirty.delete(id);
      if (!record) continue;
      // A refused write (a full disk) stays due: the next flush tries again.
      await this.store.save(this.withProgress(record)).catch((error: unknown) => {
        this.dirty.add(id);
        throw error;
      });
    }
  }

  /** A sender's progress is saved with it, for the row after a restart (`shownDone`). */
  private withProgress(record: TransferRecord): TransferRecord {
    const progress = this.progress.get(record.id);
    if (record.direction === 'out' && progress) record.shownDone = Math.min(record.size, progress());
    return record;
  }

  async forget(id: string): Promise<void> {
    const record = this.records.get(id);
    this.records.delete(id);
    if (record) {
      this.entriesChanged(record);
      this.countIncoming(record, -1);
    }
    this.progress.delete(id);
    this.lastEmit.delete(id);
    await this.store.remove(id);
  }

  json(record: TransferRecord): TransferJson {
    const done = record.state === 'complete' ? record.size : Math.min(record.size, this.progress.get(record.id)?.() ?? record.shownDone ?? 0);
    return {
      transfer_id: record.id,
      direction: record.direction,
      peer: record.peer,
      name: record.name,
      mime: record.mime,
      size: record.size,
      bytes_done: done,
      state: record.state,
      paused: record.paused,
      error: record.error,
      root: record.root,
      created_at: record.createdAt,
      completed_at: record.completedAt,
      payload_bytes: record.payloadBytes,
      // A waiting file has nothing to read yet (admission.ts).
      available: record.direction === 'in' ? record.state !== 'cancelled' && record.state !== 'failed' && !record.waiting : record.vault !== null,
    };
  }

  emit(record: TransferRecord, force: boolean): void {
    const now = Date.now();
    if (!force && now - (this.lastEmit.get(record.id) ?? 0) < EMIT_EVERY_MS) return;
    this.lastEmit.set(record.id, now);
    this.ctx.events.emit('transfer', this.json(record));
  }

  /** The conversation's entries (timeline-entries.ts) gained or lost this file. */
  private entriesChanged(record: TransferRecord): void {
    this.ctx.events.emit(SLOT_ENTRIES_CHANGED, { peer: record.peer ?? 'self' });
  }

  /** Send one event of the transfer's stream (the transfer id). */
  send<H extends object>(record: Pick<TransferRecord, 'id' | 'peer'>, kind: KindCodec<H>, header: H, payload?: Uint8Array, bulk = false) {
    if (!record.peer) throw new Error('a file to yourself has no peer');
    return this.ctx.sessions.send(record.peer, record.id, kind.name, kind.encode(header), payload, bulk ? { priority: 'bulk' } : {});
  }
}
