import type { ClientRateLimitInfo, Store } from 'express-rate-limit';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client for express-rate-limit: each client holds up to `capacity` tokens,
 * refilled evenly at `capacity / windowMs`; a request takes one. Unlike a fixed window, a client
 * cannot burst twice the limit across a window edge, and an idle client recovers gradually.
 * The number of tracked clients is bounded; past the bound the longest-untouched bucket is dropped
 * (a dropped client starts full again, which only errs towards serving).
 */
export class TokenBucketStore implements Store {
  readonly localKeys = true;
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #maxClients: number;
  readonly #clock: () => number;

  constructor(options: { capacity: number; windowMs: number; maxClients?: number; clock?: () => number }) {
    this.#capacity = options.capacity;
    this.#refillPerMs = options.capacity / options.windowMs;
    this.#maxClients = options.maxClients ?? 100_000;
    this.#clock = options.clock ?? Date.now;
  }

  increment(key: string): ClientRateLimitInfo {
    const now = this.#clock();
    const bucket = this.#take(key, now);
    let totalHits: number;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      totalHits = this.#capacity - Math.floor(bucket.tokens); // 1..capacity: allowed
    } else {
      totalHits = this.#capacity + 1; // over the limit: refused
    }
    const msToNextToken = bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.#refillPerMs);
    return { totalHits, resetTime: new Date(now + msToNextToken) };
  }

  /**
   * Take `tokens` more from `key`'s bucket for a request that turned out costly (a large fetch
   * page). The bucket may go into debt, down to minus its capacity: the client then waits that
   * much longer before its next request is served.
   */
  charge(key: string, tokens: number): void {
    if (tokens <= 0) return;
    const bucket = this.#take(key, this.#clock());
    bucket.tokens = Math.max(-this.#capacity, bucket.tokens - tokens);
  }

  decrement(key: string): void {
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.#capacity, bucket.tokens + 1);
  }

  resetKey(key: string): void {
    this.#buckets.delete(key);
  }

  resetAll(): void {
    this.#buckets.clear();
  }

  /** Clients tracked right now (tests, diagnostics). */
  get size(): number {
    return this.#buckets.size;
  }

  #take(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
      bucket.at = now;
      this.#buckets.delete(key); // re-insert: Map order = least recently used first
    } else {
      bucket = { tokens: this.#capacity, at: now };
      if (this.#buckets.size >= this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, bucket);
    return bucket;
  }
}
