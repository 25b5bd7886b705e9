/** Bitrate steering from feedback, and keyframe requests with repeat, driven by simulated time. */
import { expect } from 'chai';
import { BitrateController, KeyframeRequester } from '../ui/bitrate-controller.js';

describe('calls bitrate controller', () => {
  it('goes down under 10% loss, and after the loss ends is back to 90% of its earlier level within 10 s', () => {
    const control = new BitrateController(50_000, 1_000_000);
    for (let i = 0; i < 50; i++) control.onFeedback({ loss: 0, trend: 0 });
    const before = control.bitrate;
    expect(before).to.equal(1_000_000);
    for (let i = 0; i < 100; i++) control.onFeedback({ loss: 0.12, trend: 0 }); // 10 s of 10%+ loss
    expect(control.bitrate).to.be.below(before * 0.2);
    let intervals = 0;
    while (control.bitrate < before * 0.9) {
      control.onFeedback({ loss: 0, trend: 0 });
      intervals++;
    }
    expect(intervals * 100).to.be.below(10_000);
  });

  it('backs off on rising queueing delay and on moderate loss, never below the floor', () => {
    const control = new BitrateController(50_000, 500_000);
    control.onFeedback({ loss: 0, trend: 1 });
    expect(control.bitrate).to.be.below(500_000);
    for (let i = 0; i < 500; i++) control.onFeedback({ loss: 0.05, trend: 0 });
    expect(control.bitrate).to.equal(50_000);
  });
});

describe('calls keyframe requests', () => {
  it('asks at once on a video gap, repeats every second until a keyframe, and stops after one', () => {
    const asks: number[] = [];
    let now = 0;
    const requester = new KeyframeRequester(() => asks.push(now), 1000);
    expect(requester.onFrame(0, true, now)).to.equal(true);
    expect(requester.onFrame(1, false, (now = 33))).to.equal(true);
    expect(requester.onFrame(5, false, (now = 166))).to.equal(false); // frames 2–4 lost
    expect(asks).to.deep.equal([166]);
    for (now = 200; now < 2300; now += 33) {
      requester.tick(now);
      requester.onFrame(Math.floor(now / 33), false, now);
    }
    expect(asks.length).to.equal(3); // at 166, ~1166, ~2166
    expect(requester.onFrame(100, true, (now = 2400))).to.equal(true);
    requester.tick((now = 4000));
    expect(asks.length).to.equal(3);
    expect(requester.waiting).to.equal(false);
  });

  it('a page whose first video frame is a delta frame (it joined mid-call) asks for a keyframe at once and decodes from it', () => {
    const asks: number[] = [];
    const requester = new KeyframeRequester(() => asks.push(asks.length), 1000);
    expect(requester.onFrame(40, false, 0)).to.equal(false);
    expect(asks).to.have.length(1);
    expect(requester.onFrame(41, false, 33)).to.equal(false);
    expect(asks).to.have.length(1);
    requester.tick(1100);
    expect(asks).to.have.length(2); // repeated while none comes
    expect(requester.onFrame(60, true, 1200)).to.equal(true);
    expect(requester.onFrame(61, false, 1233)).to.equal(true);
    expect(requester.waiting).to.equal(false);
  });
});
