import { KithError } from '@kith/sdk';
import { entryBytes, type PutRequest, type RoomStore, type StoreStats, type StoredEntry } from './room-store.js';

interface MemoryEntry {
  readonly blob: string;
  readonly anonymous: boolean;
  readonly storedAt: number;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** Everything the memory store holds, as the operator of the process could see it. */
export interface MemoryStoreDump {
  readonly rooms: ReadonlyArray<{ readonly room: string; readonly entries: ReadonlyArray<{ readonly owner: string } & MemoryEntry> }>;
}

/**
 * The embedded default store: rooms in a Map, a sweeper timer dropping expired entries, caps on
 * entries per room, total entries and approximate bytes. One process only.
 */
export class MemoryRoomStore implements RoomStore {
  readonly kind = 'memory' as const;
  readonly #rooms = new Map<string, Map<string, MemoryEntry>>();
  #entries = 0;
  #bytes = 0;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { sweepIntervalMs: number; clock?: () => number }) {
    const clock = options.clock ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(clock()), options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  async put(request: PutRequest): Promise<void> {
    const { room, owner, blob, now } = request;
    let entries = this.#rooms.get(room);
    if (entries) this.#pruneRoom(room, entries, now);
    entries = this.#rooms.get(room);
    const previous = entries?.get(owner);
    const bytes = entryBytes(room, owner, blob);
    if (!previous) {
      if ((entries?.size ?? 0) >= request.maxEntriesPerRoom) throw new KithError('KITH_ERR_ROOM_FULL');
      if (this.#entries >= request.maxEntries) this.sweep(now);
      if (this.#entries >= request.maxEntries) throw new KithError('KITH_ERR_STORE_FULL');
    }
    const growth = bytes - (previous?.bytes ?? 0);
    if (growth > 0 && this.#bytes + growth > request.maxStoreBytes) {
      this.sweep(now);
      if (this.#bytes + growth > request.maxStoreBytes) throw new KithError('KITH_ERR_STORE_FULL');
    }
    if (!entries) {
      entries = new Map();
      this.#rooms.set(room, entries);
    }
    entries.set(owner, { blob, anonymous: request.anonymous, storedAt: now, expiresAt: now + request.ttlMs, bytes });
    if (!previous) this.#entries++;
    this.#bytes += growth;
  }

  async list(room: string, now: number): Promise<StoredEntry[]> {
    const entries = this.#rooms.get(room);
    if (!entries) return [];
    this.#pruneRoom(room, entries, now);
    return [...entries].map(([owner, e]) => (e.anonymous ? { blob: e.blob, storedAt: e.storedAt } : { blob: e.blob, owner, storedAt: e.storedAt }));
  }

  async remove(room: string, owner: string): Promise<boolean> {
    const entries = this.#rooms.get(room);
    const entry = entries?.get(owner);
    if (!entries || !entry) return false;
    this.#drop(room, entries, owner, entry);
    return true;
  }

  async stats(_now?: number): Promise<StoreStats> {
    return { entries: this.#entries, bytes: this.#bytes };
  }

  /** Drop every expired entry. Runs on a timer and when a cap is hit. */
  sweep(now: number): void {
    for (const [room, entries] of this.#rooms) this.#pruneRoom(room, entries, now);
  }

  /** Every room, owner and entry held: what an operator dumping the process would see (tests). */
  dump(): MemoryStoreDump {
    return {
      rooms: [...this.#rooms].map(([room, entries]) => ({ room, entries: [...entries].map(([owner, e]) => ({ owner, ...e })) })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#rooms.clear();
    this.#entries = 0;
    this.#bytes = 0;
  }

  #pruneRoom(room: string, entries: Map<string, MemoryEntry>, now: number): void {
    for (const [owner, entry] of entries) if (entry.expiresAt <= now) this.#drop(room, entries, owner, entry);
  }

  #drop(room: string, entries: Map<string, MemoryEntry>, owner: string, entry: MemoryEntry): void {
    entries.delete(owner);
    this.#entries--;
    this.#bytes -= entry.bytes;
    if (entries.size === 0) this.#rooms.delete(room);
  }
}
