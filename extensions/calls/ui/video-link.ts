/**
 * A call's video over the `media` page channel: the camera's frames go out as
 * [2][keyframe][body], the body [index][frame] or, with temporal layers, [index][layer][ref][t0][frame]
 * (video-layers.ts). The friend's video frames are decoded once a keyframe came. Without layers a
 * lost video frame (a gap in the host sequence) stops decoding and sends a keyframe request (PLI)
 * at once; with layers only a broken T0 chain does, and a frame whose upper-layer reference was
 * lost is skipped. The PLI repeats every second until a keyframe arrives. The friend's feedback
 * answers PLI with a keyframe, steers the VP9/VP8 bitrate, and under heavy loss or at the floor
 * bitrate stops the top temporal layer.
 */
import type { MediaChannel } from './audio-link.js';
import { BitrateController, KeyframeRequester } from './bitrate-controller.js';
import { feedbackMessage, parseFeedback } from './feedback.js';
import { pageMessage, parseHostMessage } from './media-frame.js';
import { createVideoPlayout, startVideoCapture, type VideoCapture, type VideoPlayout } from './video-engine.js';
import { LayerGate, LayerReferences, packVideoBody, TopLayerDrop, unpackVideoBody } from './video-layers.js';

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
  /** Frames lost on the path (gaps in the host sequence). */
  lost: number;
  /** Layered frames received, and those skipped because an upper-layer reference was lost. */
  layered: number;
  skipped: number;
  /** Losses after which the next frame still decoded (only upper-layer frames were lost). */
  lossesAbsorbed: number;
  /** Broken T0 chains (each asks for a keyframe). */
  chainBreaks: number;
  /** Top-layer frames this side did not send (heavy loss or floor bitrate). */
  droppedTop: number;
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
  /** Temporal layers where the encoder has them (default true); false sends the plain body. */
  layers?: boolean;
}

const VIDEO_MIN_BPS = 100_000;

export async function startVideoLink(channel: MediaChannel, options: VideoLinkOptions): Promise<VideoLink> {
  const stats: VideoLinkStats = { received: 0, keyframes: 0, plis: 0, plisAnswered: 0, lastPliAt: 0, keyframeAfterPliAt: 0, lost: 0, layered: 0, skipped: 0, lossesAbsorbed: 0, chainBreaks: 0, droppedTop: 0 };
  const control = new BitrateController(VIDEO_MIN_BPS, 500_000);
  const dropTop = new TopLayerDrop();
  const gate = new LayerGate();
  let capture: VideoCapture | undefined;
  let lastSeq: number | undefined;
  let lossPending = false;
  // A frame the decoder cannot use (its reference was dropped before sealing): ask for a keyframe.
  const playout = options.receiveCodec ? createVideoPlayout(options.receiveCodec, options.onFrame, () => {
    gate.reset();
    requester.undecodable(performance.now());
  }) : undefined;
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
      } else {
        capture.setBitrate(control.onFeedback(feedback));
        dropTop.onFeedback(feedback.loss, control.bitrate <= VIDEO_MIN_BPS);
      }
    }
    if (parsed.type !== VIDEO_TYPE || !playout) return;
    const body = unpackVideoBody(parsed.body);
    if (!body) return;
    stats.received++;
    if (lastSeq !== undefined && parsed.seq > lastSeq + 1) {
      stats.lost += parsed.seq - lastSeq - 1;
      lossPending = true;
    }
    if (lastSeq === undefined || parsed.seq > lastSeq) lastSeq = parsed.seq;
    const now = performance.now();
    if (parsed.keyframe) {
      stats.keyframes++;
      if (stats.lastPliAt && !stats.keyframeAfterPliAt) stats.keyframeAfterPliAt = now;
    }
    if (!body.layers) {
      if (requester.onFrame(parsed.seq, parsed.keyframe, now)) playout.push(body.index, body.frame, parsed.keyframe);
      return;
    }
    stats.layered++;
    const verdict = gate.onFrame(body.index, parsed.keyframe, body.layers);
    if (parsed.keyframe) requester.onFrame(parsed.seq, true, now); // ends the keyframe wait
    if (lossPending && !parsed.keyframe && (verdict === 'decode' || verdict === 'skip')) stats.lossesAbsorbed++;
    lossPending = false;
    if (verdict === 'decode') playout.push(body.index, body.frame, parsed.keyframe);
    else if (verdict === 'skip') stats.skipped++;
    // Nothing decodes before a keyframe: this page joined after the sender's (opened or picked up
    // mid-call) or lost it. Ask now; the requester repeats every second until one comes.
    else if (verdict === 'wait') requester.undecodable(now);
    else if (verdict === 'broken') {
      stats.chainBreaks++;
      requester.undecodable(now);
    }
  });
  const timer = setInterval(() => requester.tick(performance.now()), 100);
  if (options.send) {
    let index = 0;
    const references = new LayerReferences();
    capture = await startVideoCapture((frame, keyframe, layer) => {
      const at = index++;
      if (layer === undefined) {
        channel.send(pageMessage(VIDEO_TYPE, keyframe, packVideoBody(at, frame)));
        return;
      }
      const info = references.next(at, keyframe, layer);
      // No frame predicts from the top layer, so leaving it out costs the friend nothing but frame rate.
      if (dropTop.active && !keyframe && layer > 0 && capture && layer === capture.temporalLayers - 1) {
        stats.droppedTop++;
        return;
      }
      channel.send(pageMessage(VIDEO_TYPE, keyframe, packVideoBody(at, frame, info)));
    }, options.width, options.height, options.track, options.layers ?? true);
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
