/**
 * Calls (issue #16), in Chromium on two real Kith programs, each figure beside a plain WebRTC
 * RTCPeerConnection call between two pages of the same Chromium, measured the same way in the same
 * run (extensions/calls/test/browser-lab/measure.ts, webrtc-impaired.ts): capture → playout latency
 * p50 and p95 of 200 ms tone bursts (trials interleaved, Kith then WebRTC, latencies pooled),
 * encoded audio bytes per second in silence, concealment and the longest audible gap at 5% loss and
 * 40 ms delay, and video bitrate recovery after 10 s of 10% loss (both engines' media through the
 * same lossy shim). Also the host path alone (page channel → seal → UDP session → open → page
 * channel, timestamps in the frames, no browser). Skipped (no rows) without Chromium.
 */
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
import { chromiumPath, missingReason } from '../../../test/support/system-parts.js';
import { launchLabBrowser } from '../../../extensions/calls/test/browser-lab/lab-pages.js';
import { percentile } from '../percentile.js';
import { startLossyPair } from '../../../extensions/calls/test/browser-lab/lossy-pair.js';
import { measureBitrateRecovery, measureKithCall, measureKithUnderLoss, measureWebRtcCall, type CallFigures } from '../../../extensions/calls/test/browser-lab/measure.js';
import { measureWebRtcBitrateRecovery, measureWebRtcUnderLoss } from '../../../extensions/calls/test/browser-lab/webrtc-impaired.js';
import { startCall } from '../../../extensions/calls/test/browser-lab/call-setup.js';

const SECONDS = 20;
const LATENCY_TRIALS = 3;
const LOSS = { loss: 0.05, delayMs: [40, 40] as const, seed: 5 };

/** Frames stamped with the send time, 20 ms apart, from Alice's page channel to Bob's: ms each. */
async function hostPathLatencies(alice: TestHost, bob: TestHost, frames: number): Promise<number[]> {
  const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
  const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
  await startCall(alice, bob);
  const latencies: number[] = [];
  bobMedia.onDidReceive((m) => {
    if (m instanceof Uint8Array && m[0] === 1) latencies.push(performance.now() - new DataView(m.buffer, m.byteOffset + 6).getFloat64(0));
  });
  for (let i = 0; i < frames; i++) {
    const frame = new Uint8Array(2 + 80);
    frame[0] = 1;
    new DataView(frame.buffer).setFloat64(2, performance.now());
    aliceMedia.send(frame);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
  aliceMedia.close();
  bobMedia.close();
  return latencies;
}

const median = (values: number[]) => percentile(values, 0.5);
const kbps = (bps: number) => `${Math.round(bps / 1000)} kb/s`;

const suite: BenchSuite = {
  name: 'calls',
  async run(): Promise<BenchRow[]> {
    const missing = missingReason('chromium');
    if (missing) {
      process.stderr.write(`bench: calls skipped: ${missing}\n`);
      return [];
    }
    const net = await startTestNetwork({ hosts: 2 });
    const browser = await launchLabBrowser(chromiumPath()!);
    try {
      const [alice, bob] = net.hosts as [TestHost, TestHost];
      await net.befriend(alice, bob);
      await net.connect(alice, bob);
      const hostPath = await hostPathLatencies(alice, bob, 500);
      // Interleaved trials: the machine's load drifts, so neither engine gets the quiet minutes.
      const kithTrials: CallFigures[] = [];
      const webrtcTrials: CallFigures[] = [];
      for (let trial = 0; trial < LATENCY_TRIALS; trial++) {
        kithTrials.push(await measureKithCall(browser, alice, bob, SECONDS));
        webrtcTrials.push(await measureWebRtcCall(browser, alice, SECONDS));
      }
      const kith = { latencies: kithTrials.flatMap((t) => t.latencies), decodedLatencies: kithTrials.flatMap((t) => t.decodedLatencies ?? []), transits: kithTrials.flatMap((t) => t.transits ?? []), silentBytesPerSecond: median(kithTrials.map((t) => t.silentBytesPerSecond)), receiver: kithTrials.at(-1)!.receiver };
      const webrtc = { latencies: webrtcTrials.flatMap((t) => t.latencies), silentBytesPerSecond: median(webrtcTrials.map((t) => t.silentBytesPerSecond)) };
      // 5% random loss and 40 ms added to each datagram, through the lossy shim, for both engines.
      const pair = await startLossyPair(LOSS);
      const lossy = await measureKithUnderLoss(browser, pair.alice, pair.bob, SECONDS).finally(() => pair.close());
      const webrtcLossy = await measureWebRtcUnderLoss(browser, alice, SECONDS, LOSS);
      // Bitrate recovery: 10 s of 10% loss, then a clean path.
      const clean = await startLossyPair({ loss: 0, delayMs: [0, 1], seed: 10 });
      const recovery = await measureBitrateRecovery(browser, clean.alice, clean.bob, clean.relay, 10).finally(() => clean.close());
      const webrtcRecovery = await measureWebRtcBitrateRecovery(browser, alice, 10);
      const rtc = (value: number, unit: string) => ({ name: 'WebRTC RTCPeerConnection', value, unit });
      return [
        { area: 'calls', metric: `audio capture → playout latency p50 (${kith.latencies.length} bursts in ${LATENCY_TRIALS} interleaved trials; WebRTC ${webrtc.latencies.length})`, value: percentile(kith.latencies, 0.5), unit: 'ms', baseline: rtc(percentile(webrtc.latencies, 0.5), 'ms'), goal: 'p50 ≤ 1.2× WebRTC and < 100 ms' },
        { area: 'calls', metric: 'audio capture → playout latency p95', value: percentile(kith.latencies, 0.95), unit: 'ms', baseline: rtc(percentile(webrtc.latencies, 0.95), 'ms') },
        { area: 'calls', metric: 'Kith capture → onset in the decoder output p50 (each slot is decoded 20 ms before it is due; the player holds it until then)', value: percentile(kith.decodedLatencies, 0.5), unit: 'ms', baseline: rtc(percentile(webrtc.latencies, 0.5), 'ms') },
        { area: 'calls', metric: `Kith frames, sender's encoder output → receiver's page p50 / p95 (${kith.transits.length} frames of the latency runs)`, value: percentile(kith.transits, 0.5), unit: `ms (p95 ${percentile(kith.transits, 0.95).toFixed(1)} ms)` },
        { area: 'calls', metric: 'host path page channel → page channel p50 / p95 (no browser)', value: percentile(hostPath, 0.5), unit: `ms (p95 ${percentile(hostPath, 0.95).toFixed(1)} ms)` },
        { area: 'calls', metric: 'audio bytes/s in silence (Kith: its send-side DTX; WebRTC: its default, no DTX)', value: kith.silentBytesPerSecond, unit: 'B/s', baseline: rtc(webrtc.silentBytesPerSecond, 'B/s'), goal: '< 2 kB/s' },
        { area: 'calls', metric: `concealed-sample ratio at 5% loss + 40 ms delay (lossy shim, ${lossy.played + lossy.concealed} slots; each engine's own count)`, value: lossy.concealedRatio * 100, unit: '%', baseline: rtc(webrtcLossy.concealedRatio * 100, '%') },
        { area: 'calls', metric: `longest audible gap at 5% loss + 40 ms delay (played tone under 20% of its level; Kith's longest concealed run ${lossy.longestConcealedMs} ms)`, value: lossy.longestGapMs, unit: 'ms', baseline: rtc(webrtcLossy.longestGapMs, 'ms'), goal: 'no gap over 120 ms' },
        { area: 'calls', metric: `video bitrate recovery to 90% after 10 s of 10% loss ends (Kith ${kbps(recovery.beforeBps)} before, lowest ${kbps(recovery.lowestBps)}; WebRTC's encoder target ${kbps(webrtcRecovery.beforeBps)}, lowest ${kbps(webrtcRecovery.lowestBps)})`, value: recovery.recoveryMs, unit: 'ms', baseline: rtc(webrtcRecovery.recoveryMs, 'ms'), goal: '< 10 s' },
        { area: 'calls', metric: 'jitter buffer target at the end of the latency run', value: kith.receiver?.targetMs ?? Number.NaN, unit: 'ms' },
      ];
    } finally {
      await browser.close();
      await net.close();
    }
  },
};

export default suite;
