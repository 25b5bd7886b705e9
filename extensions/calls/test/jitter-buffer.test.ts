/** The adaptive jitter buffer driven by simulated arrivals (seeded, so a failure repeats). */
import { expect } from 'chai';
import { GRACE_MS, JitterBuffer, MAX_TARGET_MS, MIN_TARGET_MS, type Playout } from '../ui/jitter-buffer.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Send `count` 20 ms frames with `delay(seq)` ms of network delay; play out every 20 ms (10 ms ticks). */
function run(count: number, delay: (seq: number) => number | null) {
  const buffer = new JitterBuffer(20);
  const arrivals = Array.from({ length: count }, (_, seq) => ({ seq, at: (() => { const d = delay(seq); return d === null ? null : seq * 20 + d; })() }))
    .filter((a): a is { seq: number; at: number } => a.at !== null)
    .sort((a, b) => a.at - b.at);
  const out: Playout[] = [];
  let i = 0;
  const targets: number[] = [];
  for (let now = 0; now < count * 20 + 1_000; now += 10) {
    while (i < arrivals.length && arrivals[i]!.at <= now) buffer.push(arrivals[i]!.seq, arrivals[i]!.at, new Uint8Array([arrivals[i]!.seq & 0xff])), i++;
    while ((buffer.nextSeq ?? 0) < count) {
      const result = buffer.pop(now);
      if (result.kind === 'wait') break;
      out.push(result);
    }
    targets.push(buffer.targetMs);
  }
  return { buffer, out, targets };
}

describe('calls jitter buffer', () => {
  it('stays at the 20 ms floor on a steady path and plays every frame in order', () => {
    const { buffer, out } = run(200, () => 30);
    expect(buffer.targetMs).to.equal(MIN_TARGET_MS);
    expect(out.map((o) => (o.kind === 'frame' ? o.seq : -1))).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
    expect(buffer.stats).to.include({ played: 200, concealed: 0, late: 0 });
  });

  it('grows toward the 95th percentile of the jitter, so almost no frame comes too late', () => {
    const random = seeded(7);
    const { buffer } = run(1_000, () => 20 + random() * 80);
    expect(buffer.targetMs).to.be.within(80, 110);
    expect(buffer.stats.late + buffer.stats.concealed).to.be.below(60); // only while it was learning
  });

  it('puts reordered frames back in order', () => {
    const { out, buffer } = run(100, (seq) => (seq % 10 === 3 ? 55 : 30)); // every tenth frame overtaken
    const seqs = out.filter((o) => o.kind === 'frame').map((o) => (o as { seq: number }).seq);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    // At most the first overtaken frame is late, while the buffer learns the reordering depth.
    expect(buffer.stats.late).to.be.at.most(1);
    expect(buffer.stats.played + buffer.stats.late).to.equal(100);
  });

  it('follows a sender whose frame clock runs 0.5 % fast or slow: no growing target, no late frames', () => {
    for (const rate of [0.995, 1.005]) {
      // Frame seq leaves at seq × 20 × rate ms of our clock; the path adds a steady 30 ms.
      const { buffer, out } = run(3_000, (seq) => 30 + seq * 20 * (rate - 1));
      expect(buffer.targetMs, `target at rate ${rate}`).to.be.at.most(40);
      expect(buffer.stats.late, `late at rate ${rate}`).to.equal(0);
      // A slow sender's frames all play (the baseline moves later with them); a fast one's too.
      expect(out.filter((o) => o.kind === 'frame')).to.have.length(3_000);
    }
  });

  it('reports a lost frame as missing (to conceal) once its time has come', () => {
    const { out } = run(50, (seq) => (seq === 20 ? null : 30));
    expect(out.find((o) => o.kind === 'missing')).to.include({ kind: 'missing', seq: 20 });
    expect(out).to.have.length(50);
  });

  it('after a stall of the page, plays the frames that were queued behind the playout timer instead of concealing them', () => {
    const buffer = new JitterBuffer(20);
    // Frames arrive 30 ms after they leave; the playout runs every 5 ms until 1,040 ms.
    for (let seq = 0; seq < 51; seq++) {
      buffer.push(seq, seq * 20 + 30, new Uint8Array([seq]));
      for (let now = seq * 20 + 30; now < Math.min(seq * 20 + 50, 1_040); now += 5) while (buffer.pop(now).kind !== 'wait');
    }
    // The main thread stalls from 1,040 ms to 1,140 ms: frames 51–55 arrive during it but are only
    // handed over after the timer has run. That tick must wait for them, not conceal their slots.
    const played: Playout[] = [];
    for (let p = buffer.pop(1_140); p.kind !== 'wait'; p = buffer.pop(1_140)) played.push(p);
    for (let seq = 51; seq < 56; seq++) {
      buffer.push(seq, 1_141, new Uint8Array([seq]));
      for (let p = buffer.pop(1_141); p.kind !== 'wait'; p = buffer.pop(1_141)) played.push(p);
    }
    for (let p = buffer.pop(1_200); p.kind !== 'wait'; p = buffer.pop(1_200)) played.push(p);
    expect(played.map((p) => (p.kind === 'frame' ? p.seq : p.kind))).to.deep.equal([50, 51, 52, 53, 54, 55]);
    expect(buffer.stats).to.include({ late: 0, concealed: 0 });
  });

  it('conceals a slot with no later frame once it is overdue by the grace period (the talker went quiet)', () => {
    const buffer = new JitterBuffer(20);
    buffer.push(0, 30, new Uint8Array([0]));
    expect(buffer.pop(1_000)).to.include({ kind: 'frame', seq: 0 });
    const due = 30 + 20 + MIN_TARGET_MS;
    expect(buffer.pop(due)).to.deep.equal({ kind: 'wait' });
    expect(buffer.pop(due + GRACE_MS - 1)).to.deep.equal({ kind: 'wait' });
    expect(buffer.pop(due + GRACE_MS)).to.deep.equal({ kind: 'missing', seq: 1, dueMs: due });
  });

  it('forgets a start-up burst within seconds, even in a call with pauses (DTX)', () => {
    // The first 20 frames arrive 200 ms late (a call's start); then frames flow in talk spurts: 10
    // frames, then 40 slots of silence with nothing sent.
    const delay = (seq: number) => (seq < 20 ? 230 : seq % 50 < 10 ? 30 : null);
    const { buffer, targets } = run(400, delay);
    expect(Math.max(...targets)).to.be.at.least(150); // the burst was learned
    expect(buffer.targetMs).to.equal(MIN_TARGET_MS); // and forgotten (8 s later, with only ~70 frames since)
  });

  it('never aims above 200 ms, however bad the path', () => {
    const random = seeded(3);
    const { targets } = run(500, () => random() * 1_000);
    expect(Math.max(...targets)).to.equal(MAX_TARGET_MS);
  });

  it('counts duplicates and frames older than the playout point', () => {
    const buffer = new JitterBuffer(20);
    buffer.push(0, 0, new Uint8Array([0]));
    buffer.push(0, 1, new Uint8Array([0]));
    expect(buffer.pop(1_000)).to.include({ kind: 'frame', seq: 0 });
    buffer.push(0, 1_001, new Uint8Array([0]));
    expect(buffer.stats).to.include({ duplicate: 1, late: 1 });
  });
});
