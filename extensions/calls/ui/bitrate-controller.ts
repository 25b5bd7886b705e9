/**
 * Steers a sender's bitrate from the friend's feedback (every ~100 ms). Down on loss or rising
 * queueing delay, multiplicatively; back up when the path is clean, faster the longer it stays
 * clean, so it recovers in seconds. Unlike toxav's loss-only control, which only ever lowers, the
 * rate is always free to climb back to the ceiling.
 */
export interface Feedback {
  /** Lost share over the last interval, 0–1. */
  readonly loss: number;
  /** −1 falling, 0 flat, 1 rising queueing delay. */
  readonly trend: -1 | 0 | 1;
}

export class BitrateController {
  private rate: number;
  private cleanIntervals = 0;

  constructor(private readonly min: number, private readonly max: number, start = max) {
    this.rate = Math.min(max, Math.max(min, start));
  }

  get bitrate(): number {
    return Math.round(this.rate);
  }

  /** Apply one interval's feedback; returns the new bitrate. */
  onFeedback(feedback: Feedback): number {
    if (feedback.loss > 0.1) {
      this.rate *= 0.85;
      this.cleanIntervals = 0;
    } else if (feedback.loss > 0.02 || feedback.trend > 0) {
      this.rate *= 0.95;
      this.cleanIntervals = 0;
    } else {
      this.cleanIntervals++;
      // 3% per interval at first, up to 8% after a second of clean path.
      this.rate *= 1 + Math.min(0.08, 0.03 + this.cleanIntervals * 0.005);
    }
    this.rate = Math.min(this.max, Math.max(this.min, this.rate));
    return this.bitrate;
  }
}

/**
 * Keyframe requests on the receiving side of video: a lost video frame (a gap in the host
 * sequence) asks for a keyframe at once, and again every `repeatMs` until one arrives.
 */
export class KeyframeRequester {
  private wantSince: number | undefined;
  private lastAsk = 0;
  private lastSeq: number | undefined;
  readonly stats = { requests: 0, gaps: 0 };

  constructor(private readonly ask: () => void, private readonly repeatMs = 1000) {}

  get waiting(): boolean {
    return this.wantSince !== undefined;
  }

  /** A video frame arrived; returns true when it may be decoded (a keyframe ends the wait). */
  onFrame(seq: number, keyframe: boolean, nowMs: number): boolean {
    // The first frame this page sees is a delta frame when it joined after the sender's keyframe
    // (a page opened or reloaded mid-call): nothing can decode until the next one, so ask now.
    const joinedMidStream = this.lastSeq === undefined && !keyframe;
    const gap = this.lastSeq !== undefined && seq > this.lastSeq + 1;
    if (this.lastSeq === undefined || seq > this.lastSeq) this.lastSeq = seq;
    if (keyframe) {
      this.wantSince = undefined;
      return true;
    }
    if (gap || joinedMidStream) {
      if (gap) this.stats.gaps++;
      if (this.wantSince === undefined) {
        this.wantSince = nowMs;
        this.request(nowMs);
      }
    }
    this.tick(nowMs);
    return this.wantSince === undefined;
  }

  /**
   * The decoder failed on a frame (its reference never came, e.g. the sender's page dropped a
   * frame before it was sealed, which leaves no gap in the host sequence): wait for a keyframe
   * and ask for one now.
   */
  undecodable(nowMs: number): void {
    if (this.wantSince !== undefined) return;
    this.wantSince = nowMs;
    this.request(nowMs);
  }

  /** Call periodically: repeats the request if no keyframe came within `repeatMs`. */
  tick(nowMs: number): void {
    if (this.wantSince !== undefined && nowMs - this.lastAsk >= this.repeatMs) this.request(nowMs);
  }

  private request(nowMs: number): void {
    this.lastAsk = nowMs;
    this.stats.requests++;
    this.ask();
  }
}
