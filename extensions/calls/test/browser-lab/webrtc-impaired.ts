/**
 * The WebRTC baselines of the loss rows: a plain RTCPeerConnection call between two lab pages whose
 * media crosses the same lossy shim as Kith's session (rtc-through-shim.ts), measured the way
 * measure.ts measures Kith: a steady 880 Hz tone for the gap and concealment, and the video
 * encoder's target bitrate around 10 s of 10% loss for the recovery.
 */
import type { Browser } from 'playwright-core';
import type { TestHost } from '@kith/sdk/testing';
import type { Impairments } from '../../../../tools/lossy-shim/lossy-relay.js';
import { openLabPage } from './lab-pages.js';
import { sleep, trackRecovery, type LossFigures, type RecoveryFigures } from './measure.js';
import { connectRtcThroughShim } from './rtc-through-shim.js';

interface RtcStats {
  concealed: number;
  total: number;
  longestGapMs: number;
  videoTargetBitrate: number;
}

/** WebRTC audio through the shim with `impairments`: concealment (its own getStats count) and the longest gap. */
export async function measureWebRtcUnderLoss(browser: Browser, host: TestHost, seconds: number, impairments: Partial<Impairments>): Promise<Pick<LossFigures, 'concealedRatio' | 'longestGapMs'>> {
  const [a, b] = await Promise.all([openLabPage(browser, host), openLabPage(browser, host)]);
  const relay = await connectRtcThroughShim(a, b, 880, 'steady', false, impairments);
  try {
    await sleep(seconds * 1000);
    const received = await b.evaluate('lab.rtcStats()') as RtcStats;
    return { concealedRatio: received.concealed / Math.max(1, received.total), longestGapMs: received.longestGapMs };
  } finally {
    await Promise.all([a.evaluate('lab.rtcClose()'), b.evaluate('lab.rtcClose()')]);
    await Promise.all([a.close(), b.close(), relay.close()]);
  }
}

/** WebRTC audio + video through a clean shim, then 10 s of 10% loss: time until its video target is back to 90%. */
export async function measureWebRtcBitrateRecovery(browser: Browser, host: TestHost, lossSeconds: number): Promise<RecoveryFigures> {
  const [a, b] = await Promise.all([openLabPage(browser, host), openLabPage(browser, host)]);
  const relay = await connectRtcThroughShim(a, b, 880, 'steady', true, { loss: 0, delayMs: [0, 1], seed: 10 });
  try {
    return await trackRecovery(async () => ((await a.evaluate('lab.rtcStats()')) as RtcStats).videoTargetBitrate, relay, lossSeconds);
  } finally {
    await Promise.all([a.evaluate('lab.rtcClose()'), b.evaluate('lab.rtcClose()')]);
    await Promise.all([a.close(), b.close(), relay.close()]);
  }
}
