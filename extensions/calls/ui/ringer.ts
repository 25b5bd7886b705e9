/**
 * Call tones made with WebAudio (no audio file): the ring of an incoming call (two 400 + 450 Hz
 * bursts of 0.4 s, 0.2 s apart, every 3 s, like a phone) and the caller's ringback (440 + 480 Hz,
 * 1 s every 4 s). `playing` says whether it sounds now.
 */
export interface TonePattern {
  readonly periodS: number;
  readonly frequencies: readonly number[];
  /** Bursts within a period: start and length, seconds. */
  readonly bursts: readonly (readonly [start: number, length: number])[];
  readonly level: number;
}

export const RING: TonePattern = { periodS: 3, frequencies: [400, 450], bursts: [[0, 0.4], [0.6, 0.4]], level: 0.15 };
export const RINGBACK: TonePattern = { periodS: 4, frequencies: [440, 480], bursts: [[0, 1]], level: 0.06 };

export class Ringer {
  private context: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly pattern: TonePattern = RING) {}

  get playing(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    try {
      this.context = new AudioContext();
    } catch {
      return; // no audio output: the banner still shows
    }
    // Without a user gesture the context may start suspended; resume when the browser lets it.
    this.context.resume().catch(() => undefined);
    this.ringOnce();
    this.timer = setInterval(() => this.ringOnce(), this.pattern.periodS * 1000);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.context?.close().catch(() => undefined);
    this.context = undefined;
  }

  private ringOnce(): void {
    const context = this.context;
    if (!context) return;
    const at = context.currentTime + 0.05;
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    const { bursts, level, frequencies } = this.pattern;
    for (const [start, length] of bursts) {
      // Short ramps: no click at each edge.
      gain.gain.setValueAtTime(0, at + start);
      gain.gain.linearRampToValueAtTime(level, at + start + 0.02);
      gain.gain.setValueAtTime(level, at + start + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, at + start + length);
    }
    const end = at + bursts[bursts.length - 1]![0] + bursts[bursts.length - 1]![1];
    for (const frequency of frequencies) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(at);
      oscillator.stop(end);
    }
  }
}
