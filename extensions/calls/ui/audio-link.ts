/**
 * A call's audio over the `media` page channel: the capture's Opus frames go out as
 * [1][0][index][frame]; the friend's audio messages feed the jitter-buffered receiver.
 */
import { startAudioCapture, type AudioCapture, type AudioCaptureOptions } from './audio-engine.js';
import { createAudioReceiver, type AudioReceiver, type AudioReceiverOptions } from './audio-receiver.js';
import { packBody, pageMessage, parseHostMessage } from './media-frame.js';

export const AUDIO_TYPE = 1;

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
  stop(): void;
}

export async function startAudioLink(channel: MediaChannel, options: AudioCaptureOptions & AudioReceiverOptions = {}): Promise<AudioLink> {
  const receiver = createAudioReceiver(options);
  const sent = { frames: 0, bytes: 0 };
  channel.onDidReceive((message) => {
    if (!(message instanceof Uint8Array)) return;
    const parsed = parseHostMessage(message);
    if (parsed?.type === AUDIO_TYPE) receiver.push(parsed.seq, parsed.body);
  });
  const capture = await startAudioCapture((frame, index) => {
    sent.frames++;
    sent.bytes += frame.length;
    channel.send(pageMessage(AUDIO_TYPE, false, packBody(index, frame)));
  }, options);
  return {
    capture,
    receiver,
    sent,
    stop() {
      capture.stop();
      receiver.close();
    },
  };
}
