/** A token bucket: at most `burst` at once, refilled at `perSecond`. Bounds costly work (DH per HELLO). */
export class TokenBucket {
  #tokens: number;
  #last = performance.now();

  constructor(readonly perSecond: number, readonly burst: number) {
    this.#tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
