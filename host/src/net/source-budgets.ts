import { ipKeyGenerator } from 'express-rate-limit';
import { TokenBucket } from './token-bucket.js';

/** How many senders are remembered at once; the least recently seen is forgotten first. */
const MAX_SOURCES = 4096;

/**
 * Each sender's share of a shared budget: one address (IPv6 grouped by /56, as the rendezvous
 * groups its clients) may spend at most `perSecond` of it, so junk from one place cannot use up
 * the work a whole port may do and starve friends sending from elsewhere. A sender that can forge
 * many source addresses still meets the shared budget behind this.
 */
export class SourceBudgets {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {}

  /** Take `cost` from `address`'s share (capped at the burst, so one costly item can always pass). */
  take(address: string, cost = 1): boolean {
    const key = ipKeyGenerator(address, 56);
    let bucket = this.#buckets.get(key);
    if (bucket) this.#buckets.delete(key);
    else {
      if (this.#buckets.size >= MAX_SOURCES) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = new TokenBucket(this.perSecond, this.burst);
    }
    this.#buckets.set(key, bucket);
    return bucket.take(Math.min(cost, this.burst));
  }
}
