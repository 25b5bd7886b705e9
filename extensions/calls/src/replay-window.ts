/**
 * A sliding anti-replay window over sequence numbers (RFC 4303 §3.4.3 style): the highest number
 * seen plus a bitmap of the WINDOW numbers below it. A number at or below `highest − WINDOW`, or
 * one already marked, is a replay. Only authenticated frames are marked (check, open, then mark),
 * so a forged frame cannot move the window.
 */
export const REPLAY_WINDOW = 128;

export class ReplayWindow {
  private highest = -1;
  private readonly seen = new Uint8Array(REPLAY_WINDOW);

  /** True when `seq` is new and inside the window. */
  fresh(seq: number): boolean {
    if (seq > this.highest) return true;
    if (seq <= this.highest - REPLAY_WINDOW) return false;
    return this.seen[seq % REPLAY_WINDOW] === 0;
  }

  /** Record `seq` as received (call only after `fresh` and successful authentication). */
  mark(seq: number): void {
    if (seq > this.highest) {
      const advance = Math.min(seq - this.highest, REPLAY_WINDOW);
      for (let i = 1; i <= advance; i++) this.seen[(this.highest + i) % REPLAY_WINDOW] = 0;
      this.highest = seq;
    }
    this.seen[seq % REPLAY_WINDOW] = 1;
  }
}
