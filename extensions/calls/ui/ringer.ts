/**
 * The ring of an incoming call, made with WebAudio (no audio file): two 400 + 450 Hz bursts of
 * 0.4 s, 0.2 s apart, every 3 s, like a phone. `playing` says whether it rings now.
 */
const PERIOD_S = 3;
const BURSTS: readonly (readonly [start: number, length: number])[] = [[0, 0.4], [0.6, 0.4]];

export class Ringer {
  private context: AudioContext | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

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
    this.timer = setInterval(() => this.ringOnce(), PERIOD_S * 1000);
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
    for (const [start, length] of BURSTS) {
      // Short ramps: no click at each edge.
      gain.gain.setValueAtTime(0, at + start);
      gain.gain.linearRampToValueAtTime(0.15, at + start + 0.02);
      gain.gain.setValueAtTime(0.15, at + start + length - 0.02);
      gain.gain.linearRampToValueAtTime(0, at + start + length);
    }
    const end = at + BURSTS[BURSTS.length - 1]![0] + BURSTS[BURSTS.length - 1]![1];
    for (const frequency of [400, 450]) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(at);
      oscillator.stop(end);
    }
  }
}
