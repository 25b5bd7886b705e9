/** The send-side DTX gate: which encoded frames go out, from what the capture heard. */
import { expect } from 'chai';
import { HANGOVER_FRAMES, KEEPALIVE_FRAMES, SilenceGate, SILENCE_RMS } from '../ui/silence-gate.js';

const FRAME_US = 20_000;
const chunk = (level: number) => Float32Array.from({ length: 480 }, (_, i) => level * Math.sin(i / 3));

/** Feed `frames` 20 ms frames (two 10 ms chunks each) at `level(frame)`, then ask the gate for each. */
function run(frames: number, level: (frame: number) => number): boolean[] {
  const gate = new SilenceGate();
  const sent: boolean[] = [];
  for (let frame = 0; frame < frames; frame++) {
    const from = 1_000_000 + frame * FRAME_US;
    gate.hear(from, from + 10_000, chunk(level(frame)));
    gate.hear(from + 10_000, from + FRAME_US, chunk(level(frame)));
    sent.push(gate.shouldSend(frame, from, from + FRAME_US));
  }
  return sent;
}

describe('calls silence gate (DTX)', () => {
  it('sends every frame of sound, the hangover after it, then one keepalive frame per period of silence', () => {
    const sent = run(100, (frame) => (frame < 10 ? 0.3 : 0));
    expect(sent.slice(0, 10).every(Boolean)).to.equal(true);
    expect(sent.slice(10, 10 + HANGOVER_FRAMES).every(Boolean)).to.equal(true);
    const silentSent = sent.slice(10 + HANGOVER_FRAMES).filter(Boolean).length;
    expect(silentSent).to.equal(Math.floor((100 - 10 - HANGOVER_FRAMES + 0) / KEEPALIVE_FRAMES));
  });

  it('sends the first frame of a word after a long silence at once', () => {
    const sent = run(200, (frame) => (frame === 150 ? 0.3 : 0));
    expect(sent[150]).to.equal(true);
    expect(sent.slice(100, 150).filter(Boolean).length).to.be.at.most(Math.ceil(50 / KEEPALIVE_FRAMES));
  });

  it('treats a quiet room as silence and quiet speech as sound', () => {
    const room = run(60, () => SILENCE_RMS * 0.3); // −60 dBFS noise
    expect(room.filter(Boolean).length).to.be.at.most(1 + Math.ceil(60 / KEEPALIVE_FRAMES));
    const speech = run(60, () => SILENCE_RMS * 10); // about −30 dBFS
    expect(speech.every(Boolean)).to.equal(true);
  });

  it('sends a frame whose capture span it never heard (stamps moved by a reconfigure)', () => {
    const gate = new SilenceGate();
    gate.hear(0, FRAME_US, chunk(0));
    expect(gate.shouldSend(0, 0, FRAME_US)).to.equal(true); // the first frame always goes (keepalive)
    for (let i = 1; i <= HANGOVER_FRAMES + 2; i++) gate.hear(i * FRAME_US, (i + 1) * FRAME_US, chunk(0));
    expect(gate.shouldSend(HANGOVER_FRAMES + 2, (HANGOVER_FRAMES + 2) * FRAME_US, (HANGOVER_FRAMES + 3) * FRAME_US)).to.equal(false);
    expect(gate.shouldSend(HANGOVER_FRAMES + 3, 9_000_000, 9_020_000)).to.equal(true);
  });
});
