/** One call (at most one per persona at a time) and the media streams its keys protect. */
import type { PeerKey } from '@kith/sdk';
import type { Direction, MediaType } from './media-key.js';
import type { MediaOpener, MediaSealer } from './media-seal.js';

export type CallPhase = 'ringing' | 'active';

/** One direction pair of a media stream: this side's sealer and the friend's opener. */
export interface MediaStream {
  readonly type: MediaType;
  readonly streamId: string;
  readonly sealer: MediaSealer;
  readonly opener: MediaOpener;
  sent: number;
}

export interface Call {
  readonly sid: string;
  readonly peer: PeerKey;
  readonly role: Direction;
  /** Hex of the caller's 8-byte salt. */
  readonly salt: string;
  readonly withVideo: boolean;
  readonly startedAt: number;
  phase: CallPhase;
  acceptedAt?: number;
  /** The friendship-derived call key (32 bytes) once accepted; wiped at the end. */
  callKey?: Uint8Array;
  audio?: MediaStream;
  video?: MediaStream;
  /**
   * Every stream id this call has opened (audio's is the call's own): a stream's keys come from
   * its id, so a friend who starts video again under an id used before would make this side seal
   * from counter 0 under the same key again (the same nonces). Such a start is ignored.
   */
  readonly streamsUsed: Set<string>;
  muted: boolean;
  cameraOff: boolean;
  remoteMuted: boolean;
  remoteCameraOff: boolean;
  /** When the friend's last keyframe request was passed to the page (Date.now()). */
  lastPliAt?: number;
}

/** What `GET /calls/status` shows of a call: no key material. */
export function describeCall(call: Call): Record<string, unknown> {
  const media = (s: MediaStream | undefined) => (s ? { stream_id: s.streamId, sent: s.sent, ...s.opener.counters } : null);
  return {
    stream_id: call.sid,
    peer: call.peer,
    direction: call.role === 'caller' ? 'outgoing' : 'incoming',
    state: call.phase,
    with_video: call.withVideo,
    started_at: call.startedAt,
    accepted_at: call.acceptedAt ?? null,
    muted: call.muted,
    camera_off: call.cameraOff,
    remote_muted: call.remoteMuted,
    remote_camera_off: call.remoteCameraOff,
    audio: media(call.audio),
    video: media(call.video),
  };
}
