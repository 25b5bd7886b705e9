/**
 * Video temporal layers through the lossy shim: Alice's fake camera streams VP9 (VP8) L1T3 to Bob
 * while the path drops some datagrams. A lost upper-layer frame is skipped and decoding goes on;
 * only a lost T0 asks for a keyframe, so Bob sends fewer PLIs than frames were lost. A sender
 * without layers (as one whose encoder lacks scalabilityMode) still decodes as before. Reported
 * heavy loss makes the sender stop the top layer (T2) until the path is clean again.
 */
import path from 'node:path';
import { expect } from 'chai';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { chromiumPath } from '../support/system-parts.js';
import { launchLabBrowser, openLabPage } from '../../extensions/calls/test/browser-lab/lab-pages.js';
import { startLossyPair, type LossyPair } from '../../extensions/calls/test/browser-lab/lossy-pair.js';
import { startCall } from '../../extensions/calls/test/browser-lab/call-setup.js';

interface VideoStats { droppedTop: number; received: number; keyframes: number; plis: number; lost: number; layered: number; skipped: number; lossesAbsorbed: number; chainBreaks: number; decoded: number; errors: number }
const here = path.dirname(new URL(import.meta.url).pathname);
const LOSS = 0.05;
const LOSSY_MS = 15_000;

async function labHook(): Promise<string> {
  const result = await build({ entryPoints: [path.join(here, '../../extensions/calls/test/browser-lab/video-layers-lab.ts')], bundle: true, format: 'iife', write: false, target: 'chrome120' });
  return result.outputFiles[0]!.text;
}

describe('calls: video temporal layers keep decoding through loss (Chromium, lossy shim)', function () {
  needs('chromium');
  this.timeout(300_000);
  let pair: LossyPair;
  let browser: Browser;
  let a: Page;
  let b: Page;

  before(async () => {
    browser = await launchLabBrowser(chromiumPath()!);
    pair = await startLossyPair({ loss: 0, delayMs: [0, 1], seed: 23 });
    const { alice, bob } = pair;
    const hook = await labHook();
    [a, b] = await Promise.all([openLabPage(browser, alice), openLabPage(browser, bob)]);
    await Promise.all([a.addScriptTag({ content: hook }), b.addScriptTag({ content: hook })]);
    await Promise.all([a.evaluate('videoLab.open()'), b.evaluate('videoLab.open()')]);
    await startCall(alice, bob, { video: true });
  });
  after(async () => {
    await browser?.close();
    await pair?.close();
  });

  const video = (page: Page) => page.evaluate('videoLab.stats()') as Promise<VideoStats>;
  const start = async (layers: boolean) => {
    const sent = await a.evaluate(`videoLab.start(true, undefined, ${layers})`) as { codec: string; mode?: string };
    await b.evaluate(`videoLab.start(false, ${JSON.stringify(sent.codec)}, ${layers})`);
    return sent;
  };
  const stop = () => Promise.all([a.evaluate('videoLab.stop()'), b.evaluate('videoLab.stop()')]);

  /** Stream through `LOSS` for `LOSSY_MS`: the receiver's figures over that window, frames decoded each second. */
  const lossyRun = async (layers: boolean) => {
    const sent = await start(layers);
    await eventually('Bob decodes 20 frames', async () => (await video(b)).decoded >= 20, 60_000);
    const before = await video(b);
    pair.relay.impair({ loss: LOSS });
    const perSecond: number[] = [];
    let last = before.decoded;
    for (let t = 0; t < LOSSY_MS; t += 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const now = (await video(b)).decoded;
      perSecond.push(now - last);
      last = now;
    }
    pair.relay.impair({ loss: 0 });
    const after = await video(b);
    const d = (k: keyof VideoStats) => after[k] - before[k];
    const run = { received: d('received'), lost: d('lost'), skipped: d('skipped'), absorbed: d('lossesAbsorbed'), breaks: d('chainBreaks'), decoded: d('decoded'), plis: d('plis'), keyframes: d('keyframes'), layered: d('layered'), perSecond };
    console.log(`      ${sent.codec} ${sent.mode ?? 'no layers'}, ${LOSS * 100}% loss for ${LOSSY_MS / 1000} s: ${run.received} frames received, ${run.lost} lost (${run.absorbed} ridden over, ${run.breaks} T0 chain breaks), ${run.skipped} skipped, ${run.decoded} decoded (per second: ${perSecond.join(' ')}), ${run.plis} PLI(s), ${run.keyframes} keyframe(s)`);
    await eventually('decoding goes on after the loss', async () => (await video(b)).decoded > after.decoded + 10, 30_000);
    await stop();
    return { sent, run };
  };
  let layered: Awaited<ReturnType<typeof lossyRun>>['run'];

  it(`with L1T3 on, ${LOSS * 100}% loss: decoding goes on, upper-layer losses do not stop it, fewer PLIs than lost frames`, async () => {
    const { sent, run } = await lossyRun(true);
    layered = run;
    expect(sent.mode, 'the encoder runs temporal layers').to.be.oneOf(['L1T3', 'L1T2']);
    expect(run.layered).to.equal(run.received);
    expect(run.lost, 'the path lost frames').to.be.at.least(5);
    expect(run.absorbed, 'losses of upper-layer frames did not stop decoding').to.be.at.least(1);
    expect(run.plis).to.be.below(run.lost);
    // Decoding goes on: most seconds of the lossy window decode frames.
    expect(run.perSecond.filter((n) => n > 0).length).to.be.at.least(run.perSecond.length * 0.6);
  });

  it(`without layers, the same loss: every loss stops decoding and asks for a keyframe, more PLIs than with layers`, async () => {
    const { run } = await lossyRun(false);
    expect(layered, 'the layered run before').to.not.equal(undefined);
    console.log(`      decoded share of received: layers ${(layered.decoded / layered.received * 100).toFixed(0)}%, none ${(run.decoded / run.received * 100).toFixed(0)}%; PLIs per lost frame: layers ${(layered.plis / layered.lost).toFixed(2)}, none ${(run.plis / run.lost).toFixed(2)}`);
    expect(run.layered).to.equal(0);
    expect(run.lost).to.be.at.least(5);
    expect(run.absorbed).to.equal(0);
    expect(run.decoded, 'frames after a loss wait for a keyframe').to.be.below(run.received);
    expect(layered.plis, 'layers ask for fewer keyframes through the same loss').to.be.below(run.plis);
  });

  it('reported heavy loss stops the top layer at the sender: Bob gets about half the frames, decodes them all, asks for no keyframe; it comes back after 2 s clean', async () => {
    await start(true);
    await eventually('Bob decodes 20 frames', async () => (await video(b)).decoded >= 20, 60_000);
    const window = async (ms: number) => {
      const [a0, b0] = [await video(a), await video(b)];
      await new Promise((resolve) => setTimeout(resolve, ms));
      const [a1, b1] = [await video(a), await video(b)];
      return { dropped: a1.droppedTop - a0.droppedTop, received: b1.received - b0.received, decoded: b1.decoded - b0.decoded, plis: b1.plis - b0.plis };
    };
    const clean = await window(3000);
    await b.evaluate('videoLab.reportLoss(0.2)');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const heavy = await window(3000);
    await b.evaluate('videoLab.reportLoss(0)');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = await window(3000);
    await b.evaluate('videoLab.reportLoss(undefined)');
    console.log(`      frames Bob received in 3 s: clean ${clean.received}, 20% loss reported ${heavy.received} (${heavy.dropped} T2 not sent, ${heavy.decoded} decoded, ${heavy.plis} PLI), clean again ${after.received} (${after.dropped} not sent)`);
    expect(clean.dropped).to.equal(0);
    expect(heavy.dropped).to.be.at.least(heavy.received * 0.6); // L1T3: as many T2 as T0 and T1 together
    expect(heavy.received).to.be.below(clean.received * 0.65);
    expect(heavy.decoded).to.be.at.least(heavy.received - 2);
    expect(heavy.plis).to.equal(0);
    expect(after.dropped).to.equal(0);
    expect(after.received).to.be.above(heavy.received * 1.4);
    await stop();
  });

  it('a sender without temporal layers decodes as before (plain body)', async () => {
    const sent = await start(false);
    expect(sent.mode).to.equal(undefined);
    await eventually('Bob decodes 30 frames', async () => (await video(b)).decoded >= 30, 60_000);
    const stats = await video(b);
    expect(stats.layered).to.equal(0);
    expect(stats.errors).to.equal(0);
    expect(stats.keyframes).to.be.at.least(1);
    await stop();
  });
});
