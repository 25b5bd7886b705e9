import { KithError } from '@kith/sdk';
import {
  cutPage, entryBytes, WHOLE_ROOM, type PageRequest, type PutRequest, type RoomPage, type RoomStore, type StoreStats, type StoredEntry,
} from './room-store.js';

interface MemoryEntry {
  readonly room: string;
  readonly owner: string;
  readonly blob: string;
  readonly anonymous: boolean;
  readonly storedAt: number;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** Everything the memory store holds, as the operator of the process could see it. */
export interface MemoryStoreDump {
  readonly rooms: ReadonlyArray<{ readonly room: string; readonly entries: readonly MemoryEntry[] }>;
}

/** Expired entries a put drops on its way (on top of the sweeper), so churn never outruns the sweep. */
const SWEEP_PER_PUT = 16;

/**
 * The embedded default store: rooms in a Map, caps on entries per room, in total and on
 * approximate bytes. One process only.
 *
 * Expiry is incremental: every (re)publish moves its entry to the end of one insertion-ordered
 * queue, and all entries share one lifetime, so the queue is in expiry order. The sweeper and each
 * put drop a bounded number of expired entries from its head; a refusal at a cap checks counters
 * only. Nothing ever walks the whole store.
 */
export class MemoryRoomStore implements RoomStore {
  readonly kind = 'memory' as const;
  readonly #rooms = new Map<string, Map<string, MemoryEntry>>();
  /** Every live entry, oldest publish first (a Set keeps insertion order). */
  readonly #expiry = new Set<MemoryEntry>();
  #entries = 0;
  #bytes = 0;
  readonly #sweepBatch: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { sweepIntervalMs: number; sweepBatch?: number; clock?: () => number }) {
    const clock = options.clock ?? Date.now;
    this.#sweepBatch = options.sweepBatch ?? 2_000;
    this.#sweeper = setInterval(() => this.sweep(clock(), this.#sweepBatch), options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  async put(request: PutRequest): Promise<void> {
    const { room, owner, blob, now, caps } = request;
    this.sweep(now, SWEEP_PER_PUT);
    const entries = this.#rooms.get(room);
    let previous = entries?.get(owner);
    if (previous && previous.expiresAt <= now) {
      this.#drop(entries!, previous);
      previous = undefined;
    }
    if (!previous) {
      if (entries && entries.size >= caps.maxEntriesPerRoom) this.#pruneRoom(entries, now);
      if ((this.#rooms.get(room)?.size ?? 0) >= caps.maxEntriesPerRoom) throw new KithError('KITH_ERR_ROOM_FULL');
      if (this.#entries >= caps.maxEntries) throw new KithError('KITH_ERR_STORE_FULL');
    }
    const bytes = entryBytes(room, owner, blob);
    const growth = bytes - (previous?.bytes ?? 0);
    if (growth > 0 && this.#bytes + growth > caps.maxStoreBytes) throw new KithError('KITH_ERR_STORE_FULL');

    let target = this.#rooms.get(room);
    if (!target) {
      target = new Map();
      this.#rooms.set(room, target);
    }
    if (previous) {
      this.#expiry.delete(previous);
    } else {
      this.#entries++;
    }
    const entry = { room, owner, blob, anonymous: request.anonymous, storedAt: now, expiresAt: now + request.ttlMs, bytes };
    target.set(owner, entry);
    this.#expiry.add(entry);
    this.#bytes += growth;
  }

  async page(room: string, now: number, page: PageRequest): Promise<RoomPage> {
    const entries = this.#rooms.get(room);
    if (!entries) return { entries: [] };
    const live = [...entries.values()].filter((e) => e.expiresAt > now).map((e) => ({ ...e, tag: e.owner }));
    live.sort((a, b) => a.expiresAt - b.expiresAt || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    const { taken, more } = cutPage(live, page);
    const last = taken.at(-1);
    return {
      entries: taken.map((e) => (e.anonymous ? { blob: e.blob, storedAt: e.storedAt } : { blob: e.blob, owner: e.tag, storedAt: e.storedAt })),
      ...(more && last ? { next: { expiresAt: last.expiresAt, tag: last.tag } } : {}),
    };
  }

  async list(room: string, now: number): Promise<StoredEntry[]> {
    return (await this.page(room, now, WHOLE_ROOM)).entries;
  }

  async remove(room: string, owner: string): Promise<boolean> {
    const entries = this.#rooms.get(room);
    const entry = entries?.get(owner);
    if (!entries || !entry) return false;
    this.#drop(entries, entry);
    return true;
  }

  async stats(now: number): Promise<StoreStats> {
    this.sweep(now, Number.MAX_SAFE_INTEGER);
    return { entries: this.#entries, bytes: this.#bytes };
  }

  /** Drop up to `max` expired entries, oldest first; returns how many. Runs on a timer and on each put. */
  sweep(now: number, max: number): number {
    let dropped = 0;
    for (const entry of this.#expiry) {
      if (dropped >= max || entry.expiresAt > now) break; // in expiry order: the rest is live
      this.#drop(this.#rooms.get(entry.room)!, entry);
      dropped++;
    }
    return dropped;
  }

  /** Every room, owner and entry held: what an operator dumping the process would see (tests). */
  dump(): MemoryStoreDump {
    return {
      rooms: [...this.#rooms].map(([room, entries]) => ({ room, entries: [...entries.values()] })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#rooms.clear();
    this.#expiry.clear();
    this.#entries = 0;
    this.#bytes = 0;
  }

  /** A full room drops its own expired entries (at most the room cap) before refusing. */
  #pruneRoom(entries: Map<string, MemoryEntry>, now: number): void {
    for (const entry of entries.values()) if (entry.expiresAt <= now) this.#drop(entries, entry);
  }

  #drop(entries: Map<string, MemoryEntry>, entry: MemoryEntry): void {
    entries.delete(entry.owner);
    this.#expiry.delete(entry);
    this.#entries--;
    this.#bytes -= entry.bytes;
    if (entries.size === 0) this.#rooms.delete(entry.room);
  }
}
