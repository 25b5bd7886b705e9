/**
 * A call's video over the `media` page channel: the camera's frames go out as
 * [2][keyframe][index][frame]; the friend's video frames are decoded once a keyframe came. A lost
 * video frame (a gap in the host sequence) stops decoding and sends a keyframe request (PLI) at
 * once, repeated every second until a keyframe arrives. The friend's feedback answers PLI with a
 * keyframe and steers the VP9/VP8 bitrate.
 */
import type { MediaChannel } from './audio-link.js';
import { BitrateController, KeyframeRequester } from './bitrate-controller.js';
import { feedbackMessage, parseFeedback } from './feedback.js';
import { packBody, pageMessage, parseHostMessage, unpackBody } from './media-frame.js';
import { createVideoPlayout, startVideoCapture, type VideoCapture, type VideoPlayout } from './video-engine.js';

export const VIDEO_TYPE = 2;

export interface VideoLinkStats {
  received: number;
  keyframes: number;
  /** Keyframe requests this side sent. */
  plis: number;
  /** Keyframe requests the friend sent, answered with a keyframe. */
  plisAnswered: number;
  /** performance.now() of the last PLI sent and of the first keyframe after it. */
  lastPliAt: number;
  keyframeAfterPliAt: number;
}

export interface VideoLink {
  readonly stats: VideoLinkStats;
  readonly capture: VideoCapture | undefined;
  readonly playout: VideoPlayout | undefined;
  stop(): void;
}

export interface VideoLinkOptions {
  send: boolean;
  receiveCodec?: string;
  onFrame?(frame: VideoFrame): void;
  /** The camera track to send (the call page's); without it the link asks for the camera itself. */
  track?: MediaStreamTrack;
  /** Encoded size; default 320×240. */
  width?: number;
  height?: number;
}

export async function startVideoLink(channel: MediaChannel, options: VideoLinkOptions): Promise<VideoLink> {
  const stats: VideoLinkStats = { received: 0, keyframes: 0, plis: 0, plisAnswered: 0, lastPliAt: 0, keyframeAfterPliAt: 0 };
  const control = new BitrateController(100_000, 500_000);
  let capture: VideoCapture | undefined;
  // A frame the decoder cannot use (its reference was dropped before sealing): ask for a keyframe.
  const playout = options.receiveCodec ? createVideoPlayout(options.receiveCodec, options.onFrame, () => requester.undecodable(performance.now())) : undefined;
  const requester: KeyframeRequester = new KeyframeRequester(() => {
    stats.plis++;
    stats.lastPliAt = performance.now();
    stats.keyframeAfterPliAt = 0;
    channel.send(feedbackMessage({ loss: 0, delayMs: 0, trend: 0, pli: true }));
  });
  channel.onDidReceive((message) => {
    if (!(message instanceof Uint8Array)) return;
    const parsed = parseHostMessage(message);
    if (!parsed) return;
    const feedback = parseFeedback(parsed);
    if (feedback && capture) {
      if (feedback.pli) {
        stats.plisAnswered++;
        capture.requestKeyframe();
      } else capture.setBitrate(control.onFeedback(feedback));
    }
    if (parsed.type !== VIDEO_TYPE || !playout) return;
    const body = unpackBody(parsed.body);
    if (!body) return;
    stats.received++;
    const now = performance.now();
    if (parsed.keyframe) {
      stats.keyframes++;
      if (stats.lastPliAt && !stats.keyframeAfterPliAt) stats.keyframeAfterPliAt = now;
    }
    if (requester.onFrame(parsed.seq, parsed.keyframe, now)) playout.push(body.index, body.frame, parsed.keyframe);
  });
  const timer = setInterval(() => requester.tick(performance.now()), 100);
  if (options.send) {
    let index = 0;
    capture = await startVideoCapture((frame, keyframe) => {
      channel.send(pageMessage(VIDEO_TYPE, keyframe, packBody(index++, frame)));
    }, options.width, options.height, options.track);
  }
  return {
    stats,
    capture,
    playout,
    stop() {
      clearInterval(timer);
      capture?.stop();
      playout?.close();
    },
  };
}
