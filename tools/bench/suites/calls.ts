/**
 * Calls (issue #16), in Chromium on two real Kith programs, each figure beside a plain WebRTC
 * RTCPeerConnection call between two pages of the same Chromium on loopback, measured the same way
 * in the same run (extensions/calls/test/browser-lab/measure.ts): capture → playout latency p50 and
 * p95 of 200 ms tone bursts, and encoded audio bytes per second in silence. Concealment at 5% loss
 * and 40 ms delay through the lossy shim, and video bitrate recovery after 10 s of 10% loss (no
 * WebRTC baseline for these yet). Also the host path
 * alone (page channel → seal → UDP session → open → page channel, timestamps in the frames, no
 * browser). Skipped (no rows) without Chromium.
 */
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
import { chromiumPath, missingReason } from '../../../test/support/system-parts.js';
import { launchLabBrowser, percentile } from '../../../extensions/calls/test/browser-lab/lab-pages.js';
import { startLossyPair } from '../../../extensions/calls/test/browser-lab/lossy-pair.js';
import { measureBitrateRecovery, measureKithCall, measureKithUnderLoss, measureWebRtcCall } from '../../../extensions/calls/test/browser-lab/measure.js';

const SECONDS = 20;

/** Frames stamped with the send time, 20 ms apart, from Alice's page channel to Bob's: ms each. */
async function hostPathLatencies(alice: TestHost, bob: TestHost, frames: number): Promise<number[]> {
  const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
  const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
  const { stream_id: sid } = await alice.request<{ stream_id: string }>('POST', `/sessions/${bob.persona!.key}/calls/start`, { with_video: false });
  await bob.events.waitFor<{ stream_id: string }>('calls:offered', (e) => e.stream_id === sid, 20_000);
  await bob.request('POST', `/sessions/${alice.persona!.key}/calls/accept`, { stream_id: sid });
  await alice.events.waitFor<{ stream_id: string }>('calls:accepted', (e) => e.stream_id === sid, 20_000);
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
      const webrtc = await measureWebRtcCall(browser, alice, SECONDS);
      const kith = await measureKithCall(browser, alice, bob, SECONDS);
      // 5% random loss and 40 ms added to each datagram, through the lossy shim (Kith only so far).
      const pair = await startLossyPair({ loss: 0.05, delayMs: [40, 40], seed: 5 });
      const lossy = await measureKithUnderLoss(browser, pair.alice, pair.bob, SECONDS).finally(() => pair.close());
      // Bitrate recovery: 10 s of 10% loss, then a clean path.
      const clean = await startLossyPair({ loss: 0, delayMs: [0, 1], seed: 10 });
      const recovery = await measureBitrateRecovery(browser, clean.alice, clean.bob, clean.relay, 10).finally(() => clean.close());
      const rtc = (value: number, unit: string) => ({ name: 'WebRTC RTCPeerConnection', value, unit });
      return [
        { area: 'calls', metric: `audio capture → playout latency p50 (${kith.latencies.length} bursts)`, value: percentile(kith.latencies, 0.5), unit: 'ms', baseline: rtc(percentile(webrtc.latencies, 0.5), 'ms'), goal: 'p50 ≤ 1.2× WebRTC and < 100 ms' },
        { area: 'calls', metric: 'audio capture → playout latency p95', value: percentile(kith.latencies, 0.95), unit: 'ms', baseline: rtc(percentile(webrtc.latencies, 0.95), 'ms') },
        { area: 'calls', metric: 'host path page channel → page channel p50 / p95 (no browser)', value: percentile(hostPath, 0.5), unit: `ms (p95 ${percentile(hostPath, 0.95).toFixed(1)} ms)` },
        { area: 'calls', metric: 'audio bytes/s in silence (Kith: Opus DTX; WebRTC: its default)', value: kith.silentBytesPerSecond, unit: 'B/s', baseline: rtc(webrtc.silentBytesPerSecond, 'B/s'), goal: '< 2 kB/s' },
        { area: 'calls', metric: `concealed-sample ratio at 5% loss + 40 ms delay (lossy shim, ${lossy.played + lossy.concealed} slots; no WebRTC baseline through the shim yet)`, value: lossy.concealedRatio * 100, unit: '%' },
        { area: 'calls', metric: 'longest audio gap at 5% loss + 40 ms delay', value: lossy.longestGapMs, unit: 'ms', goal: 'no gap over 120 ms' },
        { area: 'calls', metric: `video bitrate recovery to 90% after 10 s of 10% loss ends (${Math.round(recovery.beforeBps / 1000)} kb/s before, lowest ${Math.round(recovery.lowestBps / 1000)} kb/s; no WebRTC baseline yet)`, value: recovery.recoveryMs, unit: 'ms', goal: '< 10 s' },
        { area: 'calls', metric: 'jitter buffer target at the end of the latency run', value: kith.receiver?.targetMs ?? Number.NaN, unit: 'ms' },
      ];
    } finally {
      await browser.close();
      await net.close();
    }
  },
};

export default suite;
