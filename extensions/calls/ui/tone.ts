/**
 * Tone analysis on PCM (pure, Node-testable): the Goertzel power of one frequency, the dominant of
 * a few candidates, and an onset detector (silence → sound) that the latency measurement runs the
 * same way on the sender's capture and the receiver's decoded output.
 */

/** Goertzel power of `frequency` in `samples` at `sampleRate` (normalised by length²). */
export function goertzelPower(samples: Float32Array, frequency: number, sampleRate: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / (samples.length * samples.length);
}

/** The candidate with the most power, and its share of the candidates' total power. */
export function dominantFrequency(samples: Float32Array, candidates: readonly number[], sampleRate: number): { frequency: number; share: number } {
  const powers = candidates.map((f) => goertzelPower(samples, f, sampleRate));
  const total = powers.reduce((a, b) => a + b, 0);
  const best = powers.indexOf(Math.max(...powers));
  return { frequency: candidates[best]!, share: total > 0 ? powers[best]! / total : 0 };
}

/**
 * Finds each start of sound after at least `quietMs` of quiet. Feed it consecutive chunks with the
 * wall-clock time at which the chunk's LAST sample was available; it reports the onset's time,
 * moved back by the samples that follow it in the chunk.
 */
export class OnsetDetector {
  private quietSamples = 0;
  readonly onsets: number[] = [];

  constructor(private readonly sampleRate = 48_000, private readonly threshold = 0.05, private readonly quietMs = 150) {}

  feed(samples: Float32Array, endTimeMs: number): void {
    const quietNeeded = (this.quietMs / 1000) * this.sampleRate;
    for (let i = 0; i < samples.length; i++) {
      if (Math.abs(samples[i]!) < this.threshold) {
        this.quietSamples++;
        continue;
      }
      if (this.quietSamples >= quietNeeded) this.onsets.push(endTimeMs - ((samples.length - i) / this.sampleRate) * 1000);
      this.quietSamples = 0;
    }
  }
}

/**
 * The longest audible gap in a steady tone's playout: consecutive 5 ms windows whose peak stays under
 * `threshold`, counted only between sounds (the quiet before the first sound and after the last is
 * not a gap). Run the same way on Kith's and WebRTC's output, whatever each calls concealment.
 */
export class GapMeter {
  private readonly windowSamples: number;
  private inWindow = 0;
  private windowPeak = 0;
  private heard = false;
  private quietWindows = 0;
  private longestWindows = 0;

  constructor(sampleRate = 48_000, private readonly threshold = 0.1, private readonly windowMs = 5) {
    this.windowSamples = Math.round((sampleRate * windowMs) / 1000);
  }

  /** The longest gap so far, in ms. */
  get longestMs(): number {
    return this.longestWindows * this.windowMs;
  }

  feed(samples: Float32Array): void {
    for (const sample of samples) {
      this.windowPeak = Math.max(this.windowPeak, Math.abs(sample));
      if (++this.inWindow < this.windowSamples) continue;
      this.closeWindow(this.windowPeak >= this.threshold);
      this.inWindow = 0;
      this.windowPeak = 0;
    }
  }

  private closeWindow(loud: boolean): void {
    if (!loud) {
      if (this.heard) this.quietWindows++;
      return;
    }
    this.heard = true;
    this.longestWindows = Math.max(this.longestWindows, this.quietWindows);
    this.quietWindows = 0;
  }
}
