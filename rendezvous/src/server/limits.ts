import {
  DEFAULT_ENTRY_TTL_MS, DEFAULT_FETCH_PAGE_BYTES, DEFAULT_FETCH_PAGE_ENTRIES, DEFAULT_MAX_BLOB_BYTES, DEFAULT_MAX_BODY_BYTES,
} from '../protocol.js';

/** Every bound the rendezvous server enforces. All are configurable (tests shrink them). */
export interface RendezvousLimits {
  /** Entry lifetime after its last publish. */
  readonly entryTtlMs: number;
  /** Request body bound, checked before the JSON is parsed. */
  readonly maxBodyBytes: number;
  /** Blob bound (characters). */
  readonly maxBlobBytes: number;
  /** Live entries one room may hold; more answers 429 `KITH_ERR_ROOM_FULL`. */
  readonly maxEntriesPerRoom: number;
  /**
   * Live entries one source (an IPv4 address, an IPv6 /56) may hold in one room; more answers 429
   * `KITH_ERR_SOURCE_QUOTA`. Below `maxEntriesPerRoom`, so one address alone cannot fill a room.
   */
  readonly maxEntriesPerSourceInRoom: number;
  /** Live entries one source may hold across all rooms; more answers 429 `KITH_ERR_SOURCE_QUOTA`. */
  readonly maxEntriesPerSource: number;
  /** Live entries the whole store may hold; more answers 507 `KITH_ERR_STORE_FULL`. */
  readonly maxEntries: number;
  /** Approximate bytes the whole store may hold (blob + keys + bookkeeping); more answers 507. */
  readonly maxStoreBytes: number;
  /**
   * Token bucket per client address: up to `ratePerWindow` requests at once, refilled at
   * `ratePerWindow / rateWindowMs`; an empty bucket answers 429 `KITH_ERR_RATE_LIMITED`.
   */
  readonly ratePerWindow: number;
  readonly rateWindowMs: number;
  /** A fetch also takes one token per this many blob bytes it answers with (a 256 KiB page: 8 more). */
  readonly fetchBytesPerToken: number;
  /**
   * A rate-limited request is answered once the client's next token is due, at most this late
   * (a client waiting for its answers is slowed to its budget instead of spinning on cheap 429s).
   */
  readonly maxRefusalDelayMs: number;
  /** Entries one fetch page answers with at most (also the default and the largest `?limit=`). */
  readonly fetchPageEntries: number;
  /** Blob characters one fetch page holds at most (at least one entry is always answered). */
  readonly fetchPageBytes: number;
  /** How often the memory store's sweeper runs... */
  readonly sweepIntervalMs: number;
  /** ...and how many expired entries one run drops at most, so no sweep stalls the event loop. */
  readonly sweepBatch: number;
}

export const DEFAULT_LIMITS: RendezvousLimits = {
  entryTtlMs: DEFAULT_ENTRY_TTL_MS,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxBlobBytes: DEFAULT_MAX_BLOB_BYTES,
  maxEntriesPerRoom: 256,
  maxEntriesPerSourceInRoom: 32,
  maxEntriesPerSource: 2048,
  maxEntries: 200_000,
  maxStoreBytes: 512 * 1024 * 1024,
  ratePerWindow: 600,
  rateWindowMs: 10_000,
  fetchBytesPerToken: 32 * 1024,
  maxRefusalDelayMs: 1_000,
  fetchPageEntries: DEFAULT_FETCH_PAGE_ENTRIES,
  fetchPageBytes: DEFAULT_FETCH_PAGE_BYTES,
  sweepIntervalMs: 1_000,
  sweepBatch: 2_000,
};

/** Defaults overridden by `overrides`; throws RangeError on an unknown or non-positive bound. */
export function resolveLimits(overrides: Partial<RendezvousLimits> = {}): RendezvousLimits {
  for (const name of Object.keys(overrides)) if (!(name in DEFAULT_LIMITS)) throw new RangeError(`unknown rendezvous limit ${name}`);
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`rendezvous limit ${name} must be positive, got ${value}`);
  }
  if (limits.maxBlobBytes > limits.maxBodyBytes) throw new RangeError('maxBlobBytes must not exceed maxBodyBytes');
  return limits;
}
