/**
 * Sliding anti-replay window over packet counters (RFC 6479 style, as WireGuard does): a counter
 * is accepted once, and only if it is newer than `highest - WINDOW`. Check with {@link wouldAccept}
 * before decrypting, {@link commit} after the packet authenticated, so forged packets cannot move
 * the window.
 */
export const REPLAY_WINDOW = 2048;
const WORDS = REPLAY_WINDOW / 32;

export class ReplayWindow {
  readonly #bits = new Uint32Array(WORDS);
  #highest = -1;

  wouldAccept(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0) return false;
    if (counter > this.#highest) return true;
    if (counter <= this.#highest - REPLAY_WINDOW) return false;
    return !this.#isSet(counter);
  }

  /** Record `counter` (call only after authentication). Returns false when it was a replay after all. */
  commit(counter: number): boolean {
    if (!this.wouldAccept(counter)) return false;
    if (counter > this.#highest) {
      const advance = counter - this.#highest;
      if (advance >= REPLAY_WINDOW) this.#bits.fill(0);
      else for (let c = this.#highest + 1; c < counter; c++) this.#clear(c);
      this.#highest = counter;
    }
    this.#set(counter);
    return true;
  }

  #isSet(counter: number): boolean {
    const bit = counter % REPLAY_WINDOW;
    return (this.#bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  #set(counter: number): void {
    const bit = counter % REPLAY_WINDOW;
    this.#bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  #clear(counter: number): void {
    const bit = counter % REPLAY_WINDOW;
    this.#bits[bit >>> 5]! &= ~(1 << (bit & 31));
  }
}
