/**
 * Feedback on the `media` page channel (docs/wire/calls.md, "Feedback"): page → host
 * [3][flags: bit 0 pli][loss ‰ u16][delay ms u16][trend i8]; host → page the same after a zero
 * sequence: [3][flags][0 u32][5 bytes].
 */
export const FEEDBACK_TYPE = 3;
export const FEEDBACK_INTERVAL_MS = 100;

export interface PeerFeedback {
  /** 0–1. */
  readonly loss: number;
  readonly delayMs: number;
  readonly trend: -1 | 0 | 1;
  readonly pli: boolean;
}

export function feedbackMessage(feedback: PeerFeedback): Uint8Array {
  const out = new Uint8Array(7);
  const view = new DataView(out.buffer);
  out[0] = FEEDBACK_TYPE;
  out[1] = feedback.pli ? 1 : 0;
  view.setUint16(2, Math.round(Math.min(1, Math.max(0, feedback.loss)) * 1000));
  view.setUint16(4, Math.round(Math.min(10_000, Math.max(0, feedback.delayMs))));
  view.setInt8(6, feedback.trend);
  return out;
}

/** A parsed host message of type 3, or undefined. */
export function parseFeedback(message: { type: number; keyframe: boolean; body: Uint8Array }): PeerFeedback | undefined {
  if (message.type !== FEEDBACK_TYPE || message.body.length !== 5) return undefined;
  const view = new DataView(message.body.buffer, message.body.byteOffset, 5);
  const trend = view.getInt8(4);
  return { loss: view.getUint16(0) / 1000, delayMs: view.getUint16(2), trend: trend > 0 ? 1 : trend < 0 ? -1 : 0, pli: message.keyframe };
}
