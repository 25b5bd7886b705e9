/** A token bucket: at most `burst` at once, refilled at `perSecond`. Bounds costly work (DH per HELLO). */
export class TokenBucket {
  #tokens: number;
  #last = performance.now();

  constructor(readonly perSecond: number, readonly burst: number) {
    this.#tokens = burst;
  }

  /** Take `cost` tokens (default 1); false (and nothing taken) when there are not enough. */
  take(cost = 1): boolean {
    if (!this.has(cost)) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Whether `cost` tokens are there now (nothing is taken). */
  has(cost = 1): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    return this.#tokens >= cost;
  }
}
