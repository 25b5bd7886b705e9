/** One stored blob, as the server hands it out. */
export interface StoredEntry {
  readonly blob: string;
  /** The owner tag the publisher chose (absent when it gave none). */
  readonly owner?: string;
  /** Unix ms of the last publish. */
  readonly storedAt: number;
}

/** What a put needs: the entry, its lifetime and the caps to enforce atomically with it. */
export interface PutRequest {
  readonly room: string;
  /** Replaces the entry with the same owner in the room. */
  readonly owner: string;
  /** True when the server made the owner up (the publisher gave none): it is not handed out. */
  readonly anonymous: boolean;
  readonly blob: string;
  readonly now: number;
  readonly ttlMs: number;
  readonly maxEntriesPerRoom: number;
  readonly maxEntries: number;
  readonly maxStoreBytes: number;
}

/** Live size of a store. */
export interface StoreStats {
  readonly entries: number;
  /** Approximate bytes held (blobs, keys, bookkeeping). */
  readonly bytes: number;
}

/**
 * Where rooms live. Implementations: {@link MemoryRoomStore} (one process) and
 * {@link RedisRoomStore} (several processes share one room space; Redis expires keys itself).
 * `put` throws `KithError('KITH_ERR_ROOM_FULL' | 'KITH_ERR_STORE_FULL')` when a cap is reached.
 */
export interface RoomStore {
  readonly kind: 'memory' | 'redis';
  put(request: PutRequest): Promise<void>;
  /** Live (non-expired) entries of `room`, oldest first. */
  list(room: string, now: number): Promise<StoredEntry[]>;
  /** Drop the entry of `owner` in `room`; true when one existed. */
  remove(room: string, owner: string): Promise<boolean>;
  stats(now: number): Promise<StoreStats>;
  close(): Promise<void>;
}

/**
 * Bookkeeping bytes counted per entry on top of its strings (string headers, map slots, the entry
 * object, a per-room map in the worst case of one entry per room). Measured by the rendezvous bench
 * (heap at 100k live entries) so that the accounted total is not below the real heap.
 */
export const ENTRY_OVERHEAD_BYTES = 448;

/** The approximate footprint of one entry. */
export function entryBytes(room: string, owner: string, blob: string): number {
  return room.length + owner.length + blob.length + ENTRY_OVERHEAD_BYTES;
}
