/**
 * Discontinuous transmission for a call's audio (pure logic, Node-testable): a 20 ms frame is sent
 * when its capture span held sound, for {@link HANGOVER_FRAMES} after the last such frame (word
 * tails and breaths stay), and once every {@link KEEPALIVE_FRAMES} in silence (the friend's
 * receiver keeps its clock and the line does not look dead). Other silent frames are not sent; the
 * receiver tells the pause from a loss because the host's sequence does not jump.
 */

/** RMS under −50 dBFS is silence (a quiet room through a microphone sits near −60). */
export const SILENCE_RMS = 10 ** (-50 / 20);
export const HANGOVER_FRAMES = 15;
export const KEEPALIVE_FRAMES = 20;
const KEEP_SPANS = 64;

interface Heard {
  readonly from: number;
  readonly to: number;
  readonly loud: boolean;
}

export class SilenceGate {
  private readonly heard: Heard[] = [];
  private lastLoud = Number.NEGATIVE_INFINITY;
  private lastSent = Number.NEGATIVE_INFINITY;

  /** A captured chunk spanning capture times [from, to) (µs), mono samples. */
  hear(from: number, to: number, samples: Float32Array): void {
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const rms = samples.length > 0 ? Math.sqrt(sum / samples.length) : 0;
    this.heard.push({ from, to, loud: rms >= SILENCE_RMS });
    if (this.heard.length > KEEP_SPANS) this.heard.shift();
  }

  /** Whether the encoded frame `index`, covering capture times [from, to) (µs), goes out. */
  shouldSend(index: number, from: number, to: number): boolean {
    // A frame whose span was not heard (stamps moved by a reconfigure) counts as sound: sending
    // one frame too many is cheap, dropping the start of a word is not.
    const spans = this.heard.filter((h) => h.to > from && h.from < to);
    if (spans.length === 0 || spans.some((h) => h.loud)) this.lastLoud = index;
    const send = index - this.lastLoud <= HANGOVER_FRAMES || index - this.lastSent >= KEEPALIVE_FRAMES;
    if (send) this.lastSent = index;
    return send;
  }
}
