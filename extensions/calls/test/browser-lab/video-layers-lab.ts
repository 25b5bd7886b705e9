/**
 * A lab hook for video with and without temporal layers (bundled by test/browser/calls-video-layers.test.ts
 * and added to a lab page beside lab-entry.ts): `videoLab` opens its own `media` channel, as
 * lab.openMedia does, starts a video link with `layers` on or off, and sends feedback as an audio
 * receiver would (every 100 ms) reporting a chosen loss.
 */
import { io } from 'socket.io-client';
import { PageChannelClient } from '../../../../sdk/src/page-channel-client.js';
import { feedbackMessage } from '../../ui/feedback.js';
import { startVideoLink, type VideoLink } from '../../ui/video-link.js';

let link: VideoLink | undefined;
let channel: unknown;
let feedbackTimer: ReturnType<typeof setInterval> | undefined;

const videoLab = {
  async open(): Promise<void> {
    const secret = document.querySelector('meta[name="kith-secret"]')!.getAttribute('content')!;
    const socket = io(location.origin, { path: '/api/ws', extraHeaders: { 'x-kith-secret': secret }, auth: { secret }, transports: ['polling', 'websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    channel = await new PageChannelClient(socket as any).open('calls', 'media');
  },
  /** Send the fake camera (`send`) and/or decode in `codec`; returns the sender's codec and scalability mode. */
  async start(send: boolean, codec: string | undefined, layers: boolean): Promise<{ codec?: string; mode?: string }> {
    link = await startVideoLink(channel as any, { send, receiveCodec: codec, layers });
    return { codec: link.capture?.codec, mode: link.capture?.scalabilityMode };
  },
  stats() {
    return link && { ...link.stats, decoded: link.playout?.stats.decodedFrames ?? 0, errors: link.playout?.stats.errors ?? 0 };
  },
  /** Report `loss` (0–1) to the friend every 100 ms until called with undefined. */
  reportLoss(loss: number | undefined): void {
    clearInterval(feedbackTimer);
    if (loss === undefined) return;
    feedbackTimer = setInterval(() => (channel as { send(m: Uint8Array): void }).send(feedbackMessage({ loss, delayMs: 40, trend: 0, pli: false })), 100);
  },
  stop(): void {
    clearInterval(feedbackTimer);
    link?.stop();
  },
};

(globalThis as any).videoLab = videoLab;
