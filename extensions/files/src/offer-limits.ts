/**
 * How many new offers one friend may make. Every offer the receiver takes is a row kept (a
 * complete file, even an empty one, stays until the user deletes it), held in memory and read at
 * every start, and each one makes the page and chat's timeline look again. So past a bound of rows
 * per friend, or faster than a friend's bucket of offers refills, an offer is answered
 * `files.cancel` `busy` with nothing stored. Empty files count like any other.
 */

/** Incoming rows (any state) one friend may have here; past this their offers are refused until the user deletes some. */
export const MAX_INCOMING_PER_FRIEND = 10_000;
/**
 * New offers one friend may make at once: a few hundred files dropped together (more than the
 * files that may arrive and wait at once, admission.ts, so those bounds answer first).
 */
export const OFFER_BURST = 512;
/** New offers a friend's bucket gains back per second once the burst is spent. */
export const OFFERS_PER_SECOND = 1;

/** A token bucket per friend: each new offer takes one. */
export class OfferBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = OFFER_BURST,
    private readonly perSecond = OFFERS_PER_SECOND,
  ) {}

  /** Whether `peer` may make one more offer now (and if so, it is counted). */
  take(peer: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(peer) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(peer, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** A friend removed: their bucket goes too. */
  forget(peer: string): void {
    this.buckets.delete(peer);
  }
}
