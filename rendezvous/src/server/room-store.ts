/** One stored blob, as the server hands it out. */
export interface StoredEntry {
  readonly blob: string;
  /** The public owner tag (SHA-256 of the publisher's secret); absent when the publisher gave none. */
  readonly owner?: string;
  /** Unix ms of the last publish. */
  readonly storedAt: number;
}

/** The caps a put enforces atomically with the write. */
export interface PutCaps {
  readonly maxEntriesPerRoom: number;
  readonly maxEntries: number;
  readonly maxStoreBytes: number;
}

/** What a put needs: the entry, its lifetime and the caps to enforce atomically with it. */
export interface PutRequest {
  readonly room: string;
  /** The public owner tag (never the secret): replaces the entry with the same tag in the room. */
  readonly owner: string;
  /** True when the server made the owner up (the publisher gave none): its tag is not handed out. */
  readonly anonymous: boolean;
  readonly blob: string;
  readonly now: number;
  readonly ttlMs: number;
  readonly caps: PutCaps;
}

/** Which part of a room to list: entries after `after` (a cursor from a previous page), bounded. */
export interface PageRequest {
  readonly after?: RoomCursor;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** A position in a room's order (expiry, then tag): stable while entries come and go. */
export interface RoomCursor {
  readonly expiresAt: number;
  readonly tag: string;
}

/** One page of a room, oldest first; `next` is set when more entries follow. */
export interface RoomPage {
  readonly entries: StoredEntry[];
  readonly next?: RoomCursor;
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
 * `put` throws `KithError('KITH_ERR_ROOM_FULL' | 'KITH_ERR_STORE_FULL')` when a cap is reached; a
 * refusal costs a bounded amount of work, however full the store is. Stores never see the
 * publisher's address (per-source caps live in the app, source-quota.ts).
 */
export interface RoomStore {
  readonly kind: 'memory' | 'redis';
  put(request: PutRequest): Promise<void>;
  /** One bounded page of `room`'s live (non-expired) entries, oldest first (what a fetch answers). */
  page(room: string, now: number, request: PageRequest): Promise<RoomPage>;
  /** Every live entry of `room`, oldest first (tests, diagnostics; at most the room cap). */
  list(room: string, now: number): Promise<StoredEntry[]>;
  /** Drop the entry tagged `owner` in `room`; true when one existed. */
  remove(room: string, owner: string): Promise<boolean>;
  stats(now: number): Promise<StoreStats>;
  close(): Promise<void>;
}

/** A page request with no practical bound: the whole room. */
export const WHOLE_ROOM: PageRequest = { maxEntries: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/**
 * Bookkeeping bytes counted per entry on top of its strings (string headers, map slots, the entry
 * object, its expiry-queue slot, a per-room map in the worst case of one entry per room). Measured by the rendezvous bench (heap at 100k live entries) so that the accounted
 * total is not below the real heap.
 */
export const ENTRY_OVERHEAD_BYTES = 448;

/** The approximate footprint of one entry. */
export function entryBytes(room: string, owner: string, blob: string): number {
  return room.length + owner.length + blob.length + ENTRY_OVERHEAD_BYTES;
}

/** Order of a room: by expiry, then tag. */
export function compareCursor(a: RoomCursor, b: RoomCursor): number {
  return a.expiresAt - b.expiresAt || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);
}

/**
 * Cut a page out of a room's live entries (sorted by {@link compareCursor}): those after the
 * cursor, up to `maxEntries` and `maxBytes` of blob (always at least one).
 */
export function cutPage<T extends RoomCursor & { readonly blob: string }>(sorted: readonly T[], page: PageRequest): { taken: T[]; more: boolean } {
  let start = 0;
  if (page.after) while (start < sorted.length && compareCursor(sorted[start]!, page.after) <= 0) start++;
  const taken: T[] = [];
  let bytes = 0;
  for (let i = start; i < sorted.length; i++) {
    const entry = sorted[i]!;
    if (taken.length >= page.maxEntries || (taken.length > 0 && bytes + entry.blob.length > page.maxBytes)) return { taken, more: true };
    taken.push(entry);
    bytes += entry.blob.length;
  }
  return { taken, more: false };
}
