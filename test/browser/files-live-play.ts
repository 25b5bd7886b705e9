/**
 * Live playback, measured the way a person sees it (shared by files-live-playback.test.ts and the
 * `files-playback` bench): Alice records a WebM in her page (canvas + MediaRecorder), her upload
 * speed is capped at a multiple of the video's own bitrate, she drops it on the conversation, and
 * Bob presses play on the inline video as soon as it shows. The figure is the time from the drop
 * to the first frame Bob's page presents (requestVideoFrameCallback) with playback moving
 * (currentTime > 0), and where the transfer was at that instant.
 */
import type { Page } from 'playwright-core';
import type { ChatPeers } from './chat-peers.js';
import { dropMadeFile, makeFile, rowTransferId, transferRow } from './files-page-kit.js';

export interface LivePlay {
  readonly transferId: string;
  readonly size: number;
  readonly seconds: number;
  /** The rate Alice's upload was capped at. */
  readonly sendBytesPerSecond: number;
  /** From the drop on Alice's page to Bob's first presented frame with currentTime > 0. */
  readonly firstFrameMs: number;
  /** From the drop to Bob's inline video element showing (the part before the media stack's own). */
  readonly videoShownMs: number;
  /** Bob's transfer right after that frame. */
  readonly atFrame: { readonly state: string; readonly bytes_done: number };
  /** The stream requests Bob's page made: URL and Range header. */
  readonly streamRequests: ReadonlyArray<{ url: string; range: string | undefined }>;
}

/** Press play as soon as the video is there; resolve with the first presented frame once currentTime > 0. */
export async function playUntilFirstFrame(b: Page, name: string, timeoutMs: number, shown: () => void): Promise<void> {
  const video = transferRow(b, name).getByTestId('inline-video');
  await video.waitFor({ timeout: timeoutMs });
  shown();
  await video.evaluate(async (el: HTMLVideoElement, ms: number) => {
    const give = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no played frame within ${ms} ms (readyState ${el.readyState}, error ${el.error?.message ?? 'none'})`)), ms));
    const played = (async () => {
      el.muted = true;
      const frame = new Promise<void>((resolve) => el.requestVideoFrameCallback(() => resolve()));
      await el.play();
      await frame;
      while (!(el.currentTime > 0)) await new Promise((r) => requestAnimationFrame(r));
    })();
    await Promise.race([played, give]);
  }, timeoutMs);
}

/** Record `seconds` of WebM at about `bitsPerSecond`, send it capped at `rateFactor` × its bitrate, and time Bob's first played frame. */
export async function measureLivePlay(peers: ChatPeers, a: Page, b: Page, options: { name: string; seconds: number; bitsPerSecond: number; rateFactor: number; timeoutMs?: number }): Promise<LivePlay> {
  const { name, seconds, rateFactor } = options;
  const size = await makeFile(a, { kind: 'webm', seconds, bitsPerSecond: options.bitsPerSecond, name, mime: 'video/webm' });
  const sendBytesPerSecond = Math.max(1024, Math.round((size / seconds) * rateFactor));
  await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: sendBytesPerSecond });
  const streamRequests: Array<{ url: string; range: string | undefined }> = [];
  const onRequest = (r: import('playwright-core').Request) => {
    if (r.url().includes('/api/files/inbound/')) streamRequests.push({ url: r.url(), range: r.headers()['range'] });
  };
  b.on('request', onRequest);
  try {
    const started = performance.now();
    await dropMadeFile(a, name);
    let videoShownMs = 0;
    await playUntilFirstFrame(b, name, options.timeoutMs ?? 60_000, () => (videoShownMs = performance.now() - started));
    const firstFrameMs = performance.now() - started;
    const transferId = await rowTransferId(a, name);
    const atFrame = await peers.bob.request<{ state: string; bytes_done: number }>('GET', `/files/${transferId}`);
    return { transferId, size, seconds, sendBytesPerSecond, firstFrameMs, videoShownMs, atFrame, streamRequests };
  } finally {
    b.off('request', onRequest);
  }
}
