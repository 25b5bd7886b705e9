/**
 * A call through the lossy shim at 10% loss (each datagram of the session, both ways): the call
 * goes on, Bob's jitter buffer conceals the lost frames, and what he plays is still Alice's 880 Hz;
 * Bob's loss feedback reaches Alice and steers her Opus bitrate down.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { needs } from '../support/needs.js';
import { chromiumPath } from '../support/system-parts.js';
import { launchLabBrowser } from '../../extensions/calls/test/browser-lab/lab-pages.js';
import { startLossyPair, type LossyPair } from '../../extensions/calls/test/browser-lab/lossy-pair.js';
import { measureKithUnderLoss } from '../../extensions/calls/test/browser-lab/measure.js';
import { measureWebRtcUnderLoss } from '../../extensions/calls/test/browser-lab/webrtc-impaired.js';

describe('calls: through the lossy shim at 10% loss the call goes on with concealment (Chromium, two hosts)', function () {
  needs('chromium');
  this.timeout(240_000);
  let pair: LossyPair;
  let browser: Browser;

  before(async () => {
    browser = await launchLabBrowser(chromiumPath()!);
    pair = await startLossyPair({ loss: 0.1, delayMs: [0, 1], seed: 16 });
  });
  after(async () => {
    await browser?.close();
    await pair?.close();
  });

  it('plays Alice\'s tone at Bob with lost frames concealed', async () => {
    const figures = await measureKithUnderLoss(browser, pair.alice, pair.bob, 6);
    console.log(`      10% loss: ${figures.played} frames played, ${figures.concealed} concealed (${(figures.concealedRatio * 100).toFixed(1)}%), longest gap ${figures.longestGapMs} ms; relay dropped ${pair.relay.stats.dropped} of ${pair.relay.stats.forwarded + pair.relay.stats.dropped}`);
    expect(pair.relay.stats.dropped).to.be.above(0);
    expect(figures.played).to.be.at.least(100); // 2 s of 20 ms frames within 6 s, on a loaded machine
    expect(figures.concealed).to.be.above(0);
    expect(figures.dominant.frequency).to.equal(880);
    expect(figures.dominant.share).to.be.above(0.8);
    // Bob's feedback (every ~100 ms, itself crossing the lossy path) reached Alice and lowered her Opus bitrate.
    console.log(`      Alice's Opus bitrate ${figures.senderBitrate} b/s; last feedback ${JSON.stringify(figures.senderFeedback)}`);
    expect(figures.senderFeedback).to.not.equal(undefined);
    expect(figures.senderBitrate).to.be.below(32_000);
  });

  it('the bench\'s WebRTC baseline crosses the same shim: it loses datagrams and conceals them', async () => {
    const figures = await measureWebRtcUnderLoss(browser, pair.alice, 5, { loss: 0.1, delayMs: [0, 1], seed: 17 });
    console.log(`      WebRTC at 10% loss: ${(figures.concealedRatio * 100).toFixed(1)}% concealed, longest audible gap ${figures.longestGapMs} ms`);
    // No path around the shim: with 10% of its datagrams gone, NetEq must have concealed some audio.
    expect(figures.concealedRatio).to.be.above(0.01);
  });
});
