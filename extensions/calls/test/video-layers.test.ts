/**
 * Temporal layers: the references a sender derives from an L1T3 encoder's layer ids, the body that
 * carries them, and the receiver's rule for what still decodes after a loss (lost T2, T1, T0).
 */
import { expect } from 'chai';
import { LayerGate, LayerReferences, packVideoBody, TopLayerDrop, unpackVideoBody, type LayerInfo, type Verdict } from '../ui/video-layers.js';

/** L1T3 as an encoder emits it: a keyframe, then T0 T2 T1 T2 repeating. */
const L1T3 = [0, 2, 1, 2];

function l1t3Stream(frames: number): { index: number; keyframe: boolean; info: LayerInfo }[] {
  const references = new LayerReferences();
  return Array.from({ length: frames }, (_, index) => {
    const keyframe = index === 0;
    return { index, keyframe, info: references.next(index, keyframe, L1T3[index % 4]!) };
  });
}

/** Feed the stream minus `lost` to a gate: each frame's verdict by index (lost ones absent). */
function receive(frames: ReturnType<typeof l1t3Stream>, lost: number[]): Map<number, Verdict> {
  const gate = new LayerGate();
  const out = new Map<number, Verdict>();
  for (const f of frames) if (!lost.includes(f.index)) out.set(f.index, gate.onFrame(f.index, f.keyframe, f.info));
  return out;
}

const decodedOf = (verdicts: Map<number, Verdict>) => [...verdicts].filter(([, v]) => v === 'decode').map(([i]) => i);

describe('calls video temporal layers', () => {
  it('derives the W3C L1T3 references: T0 from T0, T1 from T0, T2 from the newer of T0/T1', () => {
    const refs = l1t3Stream(9).map((f) => [f.info.layer, f.info.ref, f.info.t0]);
    expect(refs).to.deep.equal([
      [0, 0, 0], // keyframe
      [2, 0, 0], [1, 0, 0], [2, 2, 0],
      [0, 0, 4], [2, 4, 4], [1, 4, 4], [2, 6, 4],
      [0, 4, 8],
    ]);
  });

  it('marks a layered body by the top bit of its index word, and reads plain bodies as before', () => {
    const frame = new Uint8Array([9, 8, 7]);
    const layered = unpackVideoBody(packVideoBody(1234, frame, { layer: 2, ref: 1232, t0: 1230 }))!;
    expect(layered.index).to.equal(1234);
    expect(layered.layers).to.deep.equal({ layer: 2, ref: 1232, t0: 1230 });
    expect([...layered.frame]).to.deep.equal([9, 8, 7]);
    const plainBytes = packVideoBody(1234, frame);
    expect([...plainBytes.subarray(0, 4)]).to.deep.equal([0, 0, 0x04, 0xd2]); // [index u32][frame], unchanged
    const plain = unpackVideoBody(plainBytes)!;
    expect(plain.layers).to.equal(undefined);
    expect([...plain.frame]).to.deep.equal([9, 8, 7]);
    expect(unpackVideoBody(new Uint8Array([0x80, 0, 0, 1, 2]))).to.equal(undefined); // truncated layered header
  });

  it('a lost T2 costs only that frame: every other frame decodes', () => {
    const verdicts = receive(l1t3Stream(12), [3]);
    expect(decodedOf(verdicts)).to.deep.equal([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('a lost T1 skips the T2 that predicts from it; the next T0 goes on', () => {
    const verdicts = receive(l1t3Stream(12), [6]);
    expect(verdicts.get(7)).to.equal('skip');
    expect(decodedOf(verdicts)).to.deep.equal([0, 1, 2, 3, 4, 5, 8, 9, 10, 11]);
  });

  it('a lost T0 breaks the chain at the next frame; nothing decodes until a keyframe', () => {
    const frames = l1t3Stream(12);
    const verdicts = receive(frames, [4]);
    expect(verdicts.get(5)).to.equal('broken');
    expect([6, 7, 8, 9].map((i) => verdicts.get(i))).to.deep.equal(['wait', 'wait', 'wait', 'wait']);
    expect(decodedOf(verdicts)).to.deep.equal([0, 1, 2, 3]);

    const gate = new LayerGate();
    for (const f of frames) if (f.index !== 4) gate.onFrame(f.index, f.keyframe, f.info);
    const references = new LayerReferences();
    expect(gate.onFrame(12, true, references.next(12, true, 0))).to.equal('decode');
    expect(gate.onFrame(13, false, references.next(13, false, 2))).to.equal('decode');
    expect(gate.stats).to.include({ broken: 1 });
  });

  it('losing every T2 and T1 (the sender dropped its top layers) still decodes every T0', () => {
    const verdicts = receive(l1t3Stream(16), [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15]);
    expect(decodedOf(verdicts)).to.deep.equal([0, 4, 8, 12]);
  });

  it('stops the top layer under heavy loss or at the floor bitrate, and sends it again after 2 s clean', () => {
    const drop = new TopLayerDrop(0.1, 20);
    expect(drop.onFeedback(0.05, false)).to.equal(false);
    expect(drop.onFeedback(0.2, false)).to.equal(true);
    for (let i = 0; i < 19; i++) expect(drop.onFeedback(0, false)).to.equal(true);
    expect(drop.onFeedback(0, false)).to.equal(false);
    expect(drop.onFeedback(0, true)).to.equal(true); // the controller sits at its floor
    for (let i = 0; i < 30; i++) drop.onFeedback(0.01, true);
    expect(drop.active).to.equal(true);
  });
});
