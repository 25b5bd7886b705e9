/**
 * The calls extension's bus kinds and their headers, as they are on the wire (docs/wire/calls.md;
 * the golden vectors in test/wire-vectors.json are made by these codecs). Lifecycle kinds are
 * reliable control events; `calls.audio` and `calls.video` are unreliable interactive events
 * whose payload is a frame sealed under the call's media key (media-seal.ts).
 */
import { defineKind, type EventHeader } from '@kith/sdk';

/** A call's (or its video sub-stream's) stream id: 16 random bytes in hex. */
const STREAM_ID = /^[0-9a-f]{32}$/;
/** The caller-chosen key salt: 8 random bytes in hex. */
const SALT = /^[0-9a-f]{16}$/;
/** Why a call was refused or not answered. */
export const REJECT_REASONS = ['declined', 'busy', 'missed'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
/** Largest sequence number: 2^32 − 1 frames (over two years of 20 ms audio). */
export const MAX_SEQ = 0xffff_ffff;

export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID.test(value);
}
export function isSalt(value: unknown): value is string {
  return typeof value === 'string' && SALT.test(value);
}
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 1_577_836_800_000 && value < 4_102_444_800_000;
}
function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SEQ;
}

/** `calls.offer`: the caller rings; `salt` seeds the per-call keys, `video` says a camera is wanted. */
export interface CallOfferHeader {
  readonly sid: string;
  readonly salt: string;
  readonly video: boolean;
  /** When the offer was made (Unix ms, caller's clock): a stale offer is not rung. */
  readonly ts: number;
}
/** `calls.accept`, `calls.hangup`: the call `sid`. */
export interface CallRefHeader {
  readonly sid: string;
}
/** `calls.reject`: the callee declined, is busy, or did not answer in time. */
export interface CallRejectHeader {
  readonly sid: string;
  readonly reason: RejectReason;
}
/** `calls.mute`: the sender's microphone (`muted`) or camera (`off`) changed. */
export interface CallMuteHeader {
  readonly sid: string;
  readonly muted?: boolean;
  readonly off?: boolean;
}
/** `calls.video-start`: a video sub-stream `vsid` opens on call `sid`; `calls.video-stop` closes it. */
export interface CallVideoHeader {
  readonly sid: string;
  readonly vsid: string;
}
/** `calls.audio` / `calls.video`: one sealed frame; `q` is its sequence number in its stream's space. */
export interface MediaFrameHeader {
  readonly q: number;
  /** Video only: the frame is a keyframe. */
  readonly k?: boolean;
}

/**
 * `calls.feedback` (stream `sid`, unreliable, about every 100 ms): what the receiver sees, so the
 * sender steers its bitrate; `pli` asks for a video keyframe (the receiver lost video frames).
 */
export interface FeedbackHeader {
  /** Audio frames lost over the last interval, per mille (0–1000). */
  readonly loss: number;
  /** The receiver's jitter buffer target, ms (0–10000). */
  readonly delay: number;
  /** Queueing delay falling (−1), flat (0) or rising (1). */
  readonly trend: -1 | 0 | 1;
  readonly pli?: true;
}

const ref = (header: EventHeader): CallRefHeader | null => (isStreamId(header.sid) ? { sid: header.sid } : null);

export const callOffer = defineKind<CallOfferHeader>('calls.offer', (h) =>
  isStreamId(h.sid) && isSalt(h.salt) && typeof h.video === 'boolean' && isTimestamp(h.ts) ? { sid: h.sid, salt: h.salt, video: h.video, ts: h.ts } : null);

export const callAccept = defineKind<CallRefHeader>('calls.accept', ref);

export const callReject = defineKind<CallRejectHeader>('calls.reject', (h) =>
  isStreamId(h.sid) && (REJECT_REASONS as readonly unknown[]).includes(h.reason) ? { sid: h.sid, reason: h.reason as RejectReason } : null);

export const callHangup = defineKind<CallRefHeader>('calls.hangup', ref);

export const callMute = defineKind<CallMuteHeader>('calls.mute', (h) => {
  if (!isStreamId(h.sid)) return null;
  const muted = h.muted === undefined || typeof h.muted === 'boolean' ? (h.muted as boolean | undefined) : null;
  const off = h.off === undefined || typeof h.off === 'boolean' ? (h.off as boolean | undefined) : null;
  if (muted === null || off === null || (muted === undefined && off === undefined)) return null;
  return { sid: h.sid, ...(muted === undefined ? {} : { muted }), ...(off === undefined ? {} : { off }) };
});

const video = (h: EventHeader): CallVideoHeader | null => (isStreamId(h.sid) && isStreamId(h.vsid) ? { sid: h.sid, vsid: h.vsid } : null);
export const callVideoStart = defineKind<CallVideoHeader>('calls.video-start', video);
export const callVideoStop = defineKind<CallVideoHeader>('calls.video-stop', video);

export const audioFrame = defineKind<MediaFrameHeader>('calls.audio', (h) => (isSeq(h.q) ? { q: h.q } : null));
export const videoFrame = defineKind<MediaFrameHeader>('calls.video', (h) =>
  isSeq(h.q) && (h.k === undefined || typeof h.k === 'boolean') ? { q: h.q, ...(h.k ? { k: true } : {}) } : null);

const isInt = (value: unknown, max: number): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
export const callFeedback = defineKind<FeedbackHeader>('calls.feedback', (h) =>
  isInt(h.loss, 1000) && isInt(h.delay, 10_000) && (h.trend === -1 || h.trend === 0 || h.trend === 1) && (h.pli === undefined || h.pli === true)
    ? { loss: h.loss, delay: h.delay, trend: h.trend, ...(h.pli ? { pli: true as const } : {}) }
    : null);

/** Every calls kind, in manifest order. */
export const CALL_KINDS = [callOffer, callAccept, callReject, callHangup, callMute, callVideoStart, callVideoStop, audioFrame, videoFrame, callFeedback] as const;
