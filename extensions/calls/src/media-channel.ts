/**
 * The `media` page channel: the call page sends encoded frames in and receives the friend's.
 * Page → host: [type 1 audio | 2 video][flags bit 0 keyframe][encoded frame], or feedback
 * [3][flags bit 0 pli][loss u16][delay u16][trend i8].
 * Host → page: [type][flags][sequence u32 BE][encoded frame] (feedback: sequence 0).
 * Policy drop-oldest: live media wants the newest frame, and a hung tab never slows the call.
 */
import type { Disposable, ExtensionContext, PageChannelMessage } from '@kith/sdk';
import { FEEDBACK_TYPE, FLAG_KEYFRAME, FLAG_PLI, type CallService } from './call-service.js';

/**
 * Messages a sender may queue beyond those in flight: a short queue keeps stale media out (8 audio
 * frames are 160 ms; the oldest goes first when it is full).
 */
export const MEDIA_QUEUE_MESSAGES = 8;

/** Largest encoded frame the page may hand in (a VP9 keyframe at 720p fits easily). */
export const MAX_PAGE_FRAME_BYTES = 200 * 1024;

export function registerMediaChannel(ctx: ExtensionContext, calls: CallService): Disposable {
  return ctx.pageChannels.register('media', (channel) => {
    const stop = calls.addSink((frame) => {
      if (channel.isOpen) channel.send(frame);
    });
    channel.onDidClose(stop);
    channel.onDidReceive((message: PageChannelMessage) => {
      if (!(message instanceof Uint8Array) || message.length < 3) return;
      if (message[0] === FEEDBACK_TYPE) {
        calls.sendFeedback((message[1]! & FLAG_PLI) !== 0, message.subarray(2)).catch(() => undefined);
        return;
      }
      const type = message[0] === 1 ? 'audio' : message[0] === 2 ? 'video' : undefined;
      if (!type) return;
      // Not awaited: a listener's promise holds the channel's next message and the page's credit,
      // so waiting for each session send put up to a window plus a queue of frames (seconds of
      // audio) in front of every frame on a loaded machine. The frame is sealed at once, in order.
      calls.sendFrame(type, (message[1]! & FLAG_KEYFRAME) !== 0, message.subarray(2)).catch(() => calls.counters.dropped++);
    });
  }, { policy: 'drop-oldest', maxMessageBytes: MAX_PAGE_FRAME_BYTES + 2, queueMessages: MEDIA_QUEUE_MESSAGES });
}
