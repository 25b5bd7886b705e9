/** The tone analysis the Chromium tests and the bench use: Goertzel dominance and onset timing. */
import { expect } from 'chai';
import { dominantFrequency, GapMeter, OnsetDetector } from '../ui/tone.js';

const RATE = 48_000;
const sine = (frequency: number, samples: number, level = 0.5) => Float32Array.from({ length: samples }, (_, i) => level * Math.sin((2 * Math.PI * frequency * i) / RATE));

describe('calls tone analysis', () => {
  it('finds the frequency of a tone among candidates, even under noise', () => {
    let seed = 7;
    const noise = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2;
    const tone = sine(880, RATE / 2).map((x) => x + noise());
    const result = dominantFrequency(tone, [440, 660, 880, 1320], RATE);
    expect(result.frequency).to.equal(880);
    expect(result.share).to.be.above(0.9);
    expect(dominantFrequency(sine(440, RATE / 2), [440, 660, 880, 1320], RATE).frequency).to.equal(440);
  });

  it('times an onset after quiet to the sample, across chunk boundaries, and ignores sound without quiet before it', () => {
    const detector = new OnsetDetector(RATE, 0.05, 150);
    const signal = new Float32Array(RATE); // 1 s: quiet, a burst at 500 ms, quiet, a burst at 600 ms (too soon), quiet
    signal.set(sine(880, 4_800), 24_000);
    signal.set(sine(880, 4_800), 28_800 + 480); // 10 ms after the first ends: not an onset
    let t = 1_000;
    for (let at = 0; at < signal.length; at += 960) {
      t += 20;
      detector.feed(signal.subarray(at, at + 960), t);
    }
    expect(detector.onsets).to.have.length(1);
    // The first non-quiet sample of the burst is a few samples in (the sine starts at 0).
    expect(detector.onsets[0]!).to.be.closeTo(1_000 + 500, 1);
  });

  it('measures the longest quiet run between sounds, not the quiet before the first or after the last', () => {
    const meter = new GapMeter(RATE, 0.1, 5);
    const signal = new Float32Array(RATE); // 1 s: 100 ms quiet, tone, a 60 ms hole, tone, a 25 ms hole at a quarter level (still heard), tone, quiet to the end
    signal.set(sine(880, 14_400), 4_800); // 100–400 ms
    signal.set(sine(880, 9_600), 22_080); // 460–660 ms
    signal.set(sine(880, 1_200, 0.2), 31_680); // 660–685 ms, quieter but above the threshold
    signal.set(sine(880, 9_600), 32_880); // 685–885 ms
    for (let at = 0; at < signal.length; at += 480) meter.feed(signal.subarray(at, at + 480));
    expect(meter.longestMs).to.equal(60);
  });
});
