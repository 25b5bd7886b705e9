/**
 * A call's audio over the `media` page channel: the capture's Opus frames go out as
 * [1][0][index][frame]; the friend's audio messages feed the jitter-buffered receiver; feedback
 * (type 3) goes both ways.
 */
import { startAudioCapture, type AudioCapture, type AudioCaptureOptions } from './audio-engine.js';
import { createAudioReceiver, type AudioReceiver, type AudioReceiverOptions } from './audio-receiver.js';
import { BitrateController } from './bitrate-controller.js';
import { FEEDBACK_INTERVAL_MS, feedbackMessage, parseFeedback, type PeerFeedback } from './feedback.js';
import { packBody, pageMessage, parseHostMessage } from './media-frame.js';

export const AUDIO_TYPE = 1;

/** The capture of a receive-only link: nothing to steer or stop. */
const SILENT_CAPTURE: AudioCapture = { bitrate: 0, setBitrate: () => undefined, stop: () => undefined };

/** The part of a PageChannel the link needs (UiHost.openChannel's channel has it). */
export interface MediaChannel {
  send(message: Uint8Array): boolean;
  onDidReceive(listener: (message: unknown) => unknown): unknown;
}

export interface AudioLink {
  readonly capture: AudioCapture;
  readonly receiver: AudioReceiver;
  /** Bytes of encoded audio sent (the DTX bench reads it). */
  readonly sent: { frames: number; bytes: number };
  /** The last feedback the friend sent (its loss, jitter target, trend), for the quality indicator. */
  readonly peer: { last?: PeerFeedback };
  stop(): void;
}

export interface AudioLinkOptions extends AudioCaptureOptions, AudioReceiverOptions {
  /** Only receive (no microphone could be used): nothing is captured or sent. */
  receiveOnly?: boolean;
  /** Each feedback from the friend (the video link steers its bitrate and answers PLI from it). */
  onPeerFeedback?(feedback: PeerFeedback): void;
}

/**
 * Every ~100 ms the link tells the friend what its receiver saw (loss, jitter target, delay
 * trend); the friend's feedback steers this side's Opus bitrate.
 */
export async function startAudioLink(channel: MediaChannel, options: AudioLinkOptions = {}): Promise<AudioLink> {
  const receiver = createAudioReceiver(options);
  const sent = { frames: 0, bytes: 0 };
  const peer: { last?: PeerFeedback } = {};
  const control = new BitrateController(12_000, 32_000);
  let capture: AudioCapture | undefined;
  channel.onDidReceive((message) => {
    if (!(message instanceof Uint8Array)) return;
    const parsed = parseHostMessage(message);
    if (parsed?.type === AUDIO_TYPE) receiver.push(parsed.seq, parsed.body);
    const feedback = parsed ? parseFeedback(parsed) : undefined;
    if (feedback) {
      peer.last = feedback;
      // A keyframe request carries no audio figures: the video link answers it.
      if (!feedback.pli) capture?.setBitrate(control.onFeedback(feedback));
      options.onPeerFeedback?.(feedback);
    }
  });
  const timer = setInterval(() => {
    const report = receiver.report();
    if (receiver.stats.received > 0) channel.send(feedbackMessage({ loss: report.loss, delayMs: report.delayMs, trend: report.trend, pli: false }));
  }, FEEDBACK_INTERVAL_MS);
  capture = options.receiveOnly ? SILENT_CAPTURE : await startAudioCapture((frame, index) => {
    sent.frames++;
    sent.bytes += frame.length;
    channel.send(pageMessage(AUDIO_TYPE, false, packBody(index, frame)));
  }, options);
  return {
    capture,
    receiver,
    sent,
    peer,
    stop() {
      clearInterval(timer);
      capture!.stop();
      receiver.close();
    },
  };
}
