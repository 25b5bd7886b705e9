/**
 * Files (issue #15): time to the first played frame of a WebM sent at twice its bitrate, in
 * Chromium on two real Kith programs (the measurement of test/browser/files-live-play.ts: from the
 * drop on Alice's page to a frame Bob's inline video presents with currentTime > 0). Baseline from
 * the same run: the same WebM played from a local blob URL in the same browser. Skipped (no rows)
 * without Chromium.
 */
import type { Page } from 'playwright-core';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { missingReason } from '../../../test/support/system-parts.js';
import { startChatPeers } from '../../../test/browser/chat-peers.js';
import { measureLivePlay } from '../../../test/browser/files-live-play.js';

const RUNS = 5;
const SECONDS = 4;

/** Play a file the page made (`window.__files[name]`) from a blob URL: ms from play() to a presented frame with currentTime > 0. */
async function localFirstFrameMs(page: Page, name: string): Promise<number> {
  return page.evaluate(async (n) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const url = URL.createObjectURL((window as any).__files[n] as File);
    const started = performance.now();
    video.src = url;
    const frame = new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
    await video.play();
    await frame;
    while (!(video.currentTime > 0)) await new Promise((r) => requestAnimationFrame(r));
    const ms = performance.now() - started;
    video.remove();
    URL.revokeObjectURL(url);
    return ms;
  }, name);
}

const median = (values: number[]): number => values.slice().sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

const suite: BenchSuite = {
  name: 'files-playback',
  async run(): Promise<BenchRow[]> {
    const missing = missingReason('chromium');
    if (missing) {
      process.stderr.write(`bench: files-playback skipped: ${missing}\n`);
      return [];
    }
    const peers = await startChatPeers({ connected: true });
    try {
      const a = await peers.open(peers.alice, peers.bob);
      const b = await peers.open(peers.bob, peers.alice);
      const live: number[] = [];
      const shown: number[] = [];
      const local: number[] = [];
      let stillArriving = 0;
      for (let run = 0; run < RUNS; run++) {
        const name = `bench-live-${run}.webm`;
        const result = await measureLivePlay(peers, a, b, { name, seconds: SECONDS, bitsPerSecond: 1_000_000, rateFactor: 2 });
        live.push(result.firstFrameMs);
        shown.push(result.videoShownMs);
        if (result.atFrame.state !== 'complete') stillArriving++;
        local.push(await localFirstFrameMs(a, name));
      }
      process.stderr.write(`bench: files-playback runs (ms): ${live.map((v) => v.toFixed(0)).join(', ')} (the video showed at ${shown.map((v) => v.toFixed(0)).join(', ')}); still arriving at the frame in ${stillArriving} of ${RUNS}\n`);
      return [{
        area: 'files',
        metric: `time to first played frame of a ${SECONDS} s WebM sent at twice its bitrate (drop → frame on the friend, median of ${RUNS})`,
        value: Math.round(median(live)),
        unit: 'ms',
        baseline: { name: 'the same WebM from a local blob URL', value: Math.round(median(local)), unit: 'ms' },
        goal: '< 2000 ms',
      }];
    } finally {
      await peers.close();
    }
  },
};

export default suite;
