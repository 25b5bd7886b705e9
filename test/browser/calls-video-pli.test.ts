/**
 * Video keyframe requests through the lossy shim: Alice's fake camera streams VP9 (VP8) to Bob; a
 * burst of total loss on the path makes Bob's video link see a gap in the host sequence, stop
 * decoding and send a PLI (calls.feedback with pli); Alice's encoder answers with a keyframe, which
 * must reach Bob within one round trip plus one frame interval of the PLI (plus an allowance for
 * encoding on a loaded machine, printed beside it), and decoding resumes.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { chromiumPath } from '../support/system-parts.js';
import { launchLabBrowser, openLabPage } from '../../extensions/calls/test/browser-lab/lab-pages.js';
import { startLossyPair, type LossyPair } from '../../extensions/calls/test/browser-lab/lossy-pair.js';
import { startCall } from '../../extensions/calls/test/browser-lab/call-setup.js';

interface VideoStats { received: number; keyframes: number; plis: number; plisAnswered: number; lastPliAt: number; keyframeAfterPliAt: number; decoded: number }
const FRAME_MS = 1000 / 30;
const ENCODE_ALLOWANCE_MS = 150;

describe('calls: a video loss burst brings a keyframe request and a keyframe within a round trip (Chromium, lossy shim)', function () {
  needs('chromium');
  this.timeout(240_000);
  let pair: LossyPair;
  let browser: Browser;

  before(async () => {
    browser = await launchLabBrowser(chromiumPath()!);
    pair = await startLossyPair({ loss: 0, delayMs: [0, 1], seed: 17 });
  });
  after(async () => {
    await browser?.close();
    await pair?.close();
  });

  const video = (page: Page) => page.evaluate('lab.videoStats()') as Promise<VideoStats>;

  it('asks for a keyframe after the burst and gets one in time; decoding resumes', async () => {
    const { alice, bob } = pair;
    const [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
    await Promise.all([a.evaluate('lab.openMedia()'), b.evaluate('lab.openMedia()')]);
    await startCall(alice, bob, { video: true });

    const codec = await a.evaluate('lab.startVideo(true)') as string;
    await b.evaluate(`lab.startVideo(false, ${JSON.stringify(codec)})`);
    await eventually('Bob decodes 20 frames', async () => (await video(b)).decoded >= 20, 60_000);
    const before = await video(b);

    pair.relay.impair({ loss: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    pair.relay.impair({ loss: 0 });

    await eventually('a PLI answered by a keyframe', async () => {
      const now = await video(b);
      return now.plis > before.plis && now.keyframeAfterPliAt > 0;
    }, 30_000);
    const after = await video(b);
    const status = await bob.request<{ session: { rtt_ms: number | null } | null }>('GET', '/calls/status');
    const rtt = status.session?.rtt_ms ?? 0;
    const pliToKeyframe = after.keyframeAfterPliAt - after.lastPliAt;
    console.log(`      PLI → keyframe at Bob: ${pliToKeyframe.toFixed(0)} ms; session RTT ${rtt.toFixed(1)} ms + one frame ${FRAME_MS.toFixed(0)} ms (+ ${ENCODE_ALLOWANCE_MS} ms encode allowance); ${after.plis - before.plis} PLI(s) sent`);
    expect((await video(a)).plisAnswered).to.be.at.least(1);
    expect(pliToKeyframe).to.be.below(rtt + FRAME_MS + ENCODE_ALLOWANCE_MS);
    await eventually('decoding resumes', async () => (await video(b)).decoded > after.decoded + 10, 30_000);

    await Promise.all([a.evaluate('lab.stopVideo()'), b.evaluate('lab.stopVideo()')]);
    await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
  });
});
