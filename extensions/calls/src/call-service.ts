/**
 * The call state machine: offer (ringing) → accept / reject / missed → hangup, busy while a call
 * exists, the friend's refusal surfaced in the user's words, per-call keys derived on accept and
 * wiped when the call ends (hangup, session drop, lock). Media frames are sealed and opened here;
 * the page hands encoded frames in and gets the friend's encoded frames back.
 */
import { randomBytes } from 'node:crypto';
import { KithError, type Disposable, type ExtensionContext, type InboundEvent, type NackReport, type PeerKey } from '@kith/sdk';
import {
  audioFrame, callAccept, callFeedback, callHangup, callMute, callOffer, callReject, callVideoStart, callVideoStop, videoFrame,
  type RejectReason,
} from './call-kinds.js';
import type { CallRecord } from './call-history.js';
import { describeCall, type Call, type MediaStream } from './call-state.js';
import { CALLS_KEY_INFO, streamKeys, type MediaType } from './media-key.js';
import { MediaOpener, MediaSealer } from './media-seal.js';

export const RING_TIMEOUT_SETTING = 'calls.ring-timeout-s';
const DEFAULT_RING_TIMEOUT_S = 30;
/** An offer stamped further ahead of this clock than this is not rung (clock skew allowance). */
export const MAX_OFFER_SKEW_MS = 60_000;
/** Rings one friend may cause per window; offers past it are answered `busy` without ringing. */
export const RING_LIMIT = 3;
export const RING_WINDOW_MS = 5 * 60_000;
/** The friend's keyframe requests (PLI) reach the page at most once per this interval. */
export const PLI_MIN_INTERVAL_MS = 500;
/** How long a call waits for its session to come back after a drop before it ends on this side. */
export const RECONNECT_GRACE_MS = 6_000;
const CONTROL = { priority: 'control' } as const;
const MEDIA = { reliable: false, priority: 'interactive' } as const;

/** Frames handed to the page: [type][flags][seq u32 BE][frame]. */
export const MEDIA_TYPE_BYTE: Record<MediaType, number> = { audio: 1, video: 2 };
export const FLAG_KEYFRAME = 1;
/** `media` channel type 3: feedback, [3][flags: bit 0 pli][loss u16][delay u16][trend i8]. */
export const FEEDBACK_TYPE = 3;
export const FLAG_PLI = 1;

/** Counters over every call of this activation (the status route shows them). */
export interface CallCounters {
  framesSent: number;
  framesReceived: number;
  forged: number;
  replayed: number;
  /** Frames that arrived for no live call (late after hangup, or another stream). */
  stray: number;
  /** Frames from the page while no call was active or the mic/camera was muted. */
  dropped: number;
  /** Offers answered `busy` without ringing: the friend rang too often (RING_LIMIT per RING_WINDOW_MS). */
  offersThrottled: number;
  /** Offers not rung because their timestamp was too far in the future. */
  offersFuture: number;
  /** The friend's keyframe requests not passed on (closer than PLI_MIN_INTERVAL_MS to the last). */
  plisDropped: number;
}

/** The rings one friend caused in the current window, and whether a throttled offer was recorded since. */
interface RingWindow {
  at: number[];
  recorded: boolean;
}

export class CallService {
  private call: Call | undefined;
  private ringTimer: Disposable | undefined;
  private reconnectTimer: Disposable | undefined;
  private readonly sinks = new Set<(frame: Uint8Array) => void>();
  /** Per friend (so bounded by the friend list): the rings of the last RING_WINDOW_MS. */
  private readonly rings = new Map<PeerKey, RingWindow>();
  readonly counters: CallCounters = { framesSent: 0, framesReceived: 0, forged: 0, replayed: 0, stray: 0, dropped: 0, offersThrottled: 0, offersFuture: 0, plisDropped: 0 };

  /**
   * `onEnded` hears of every call that ends here (the history records it); it runs after the
   * `ended` event and must not throw.
   */
  constructor(private readonly ctx: ExtensionContext, private readonly onEnded?: (record: CallRecord) => void) {}

  status(): Record<string, unknown> {
    return { call: this.call ? describeCall(this.call) : null, counters: { ...this.counters } };
  }

  /** The status plus the call's session figures (RTT, inbound loss) for the call page's live stats. */
  async liveStatus(): Promise<Record<string, unknown>> {
    const call = this.call;
    const stats = call ? await this.ctx.diagnostics.session(call.peer).catch(() => undefined) : undefined;
    const session = stats ? { rtt_ms: stats.rtt.smoothedMs ?? stats.rtt.latestMs, loss_inbound: stats.loss.inbound } : null;
    return { ...this.status(), session };
  }

  /** A page channel that wants the friend's frames; returns the unsubscribe. */
  addSink(sink: (frame: Uint8Array) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  // ----- local actions (routes) ------------------------------------------------------------

  /**
   * Call `peer`. A call already going is a conflict, except an incoming one still ringing: the
   * user calls out instead of answering, so that ring is declined (the caller hears `busy`) and
   * a friend ringing over and over cannot keep the user from calling anyone.
   */
  async start(peer: PeerKey, withVideo: boolean): Promise<string> {
    this.ensurePreemptable();
    if (!(await this.ctx.friends.get(peer))) throw new KithError('KITH_ERR_NOT_FOUND', 'Not a friend');
    if (!this.ctx.sessions.get(peer)) throw new KithError('KITH_ERR_NO_SESSION', 'The friend is not connected');
    this.ensurePreemptable();
    const ringing = this.call;
    if (ringing) {
      this.end(ringing, 'rejected');
      this.sendReject(ringing.peer, ringing.sid, 'busy').catch(() => undefined);
    }
    const sid = randomBytes(16).toString('hex');
    const salt = randomBytes(8).toString('hex');
    this.call = { sid, peer, role: 'caller', salt, withVideo, startedAt: Date.now(), phase: 'ringing', muted: false, cameraOff: false, remoteMuted: false, remoteCameraOff: false, streamsUsed: new Set() };
    this.armRingTimer(sid);
    await this.ctx.sessions.send(peer, sid, callOffer.name, callOffer.encode({ sid, salt, video: withVideo, ts: Date.now() }), undefined, CONTROL);
    return sid;
  }

  async accept(peer: PeerKey, sid: string): Promise<void> {
    const call = this.expect(peer, sid, 'callee', 'ringing');
    await this.activate(call);
    this.rings.get(peer)?.at.pop(); // an answered call does not count against the friend's rings
    await this.ctx.sessions.send(peer, sid, callAccept.name, callAccept.encode({ sid }), undefined, CONTROL);
    this.ctx.events.emit('accepted', { peer, stream_id: sid });
  }

  async reject(peer: PeerKey, sid: string, reason: RejectReason = 'declined'): Promise<void> {
    const call = this.expect(peer, sid, 'callee', 'ringing');
    this.end(call, reason === 'declined' ? 'rejected' : reason);
    await this.sendReject(peer, sid, reason);
  }

  async hangup(peer: PeerKey): Promise<void> {
    const call = this.current(peer);
    this.end(call, 'hangup');
    await this.ctx.sessions.send(peer, call.sid, callHangup.name, callHangup.encode({ sid: call.sid }), undefined, CONTROL);
  }

  async mute(peer: PeerKey, change: { muted?: boolean; off?: boolean }): Promise<void> {
    const call = this.current(peer);
    if (change.muted !== undefined) call.muted = change.muted;
    if (change.off !== undefined) call.cameraOff = change.off;
    await this.ctx.sessions.send(peer, call.sid, callMute.name, callMute.encode({ sid: call.sid, ...change }), undefined, CONTROL);
  }

  async startVideo(peer: PeerKey): Promise<string> {
    const call = this.current(peer);
    if (call.phase !== 'active') throw new KithError('KITH_ERR_CONFLICT', 'The call is not active yet');
    if (call.video) return call.video.streamId;
    const vsid = randomBytes(16).toString('hex');
    call.video = this.openStream(call, vsid, 'video');
    call.cameraOff = false;
    await this.ctx.sessions.send(peer, call.sid, callVideoStart.name, callVideoStart.encode({ sid: call.sid, vsid }), undefined, CONTROL);
    return vsid;
  }

  async stopVideo(peer: PeerKey): Promise<void> {
    const call = this.current(peer);
    const video = call.video;
    if (!video) return;
    this.closeStream(video);
    call.video = undefined;
    await this.ctx.sessions.send(peer, call.sid, callVideoStop.name, callVideoStop.encode({ sid: call.sid, vsid: video.streamId }), undefined, CONTROL);
  }

  /** An encoded frame from the page: sealed and sent to the friend if a call carries it. */
  async sendFrame(type: MediaType, keyframe: boolean, frame: Uint8Array): Promise<void> {
    const call = this.call;
    const stream = call?.phase === 'active' ? call[type] : undefined;
    if (!call || !stream || (type === 'audio' ? call.muted : call.cameraOff)) {
      this.counters.dropped++;
      return;
    }
    const { seq, sealed } = stream.sealer.seal(frame);
    const codec = type === 'audio' ? audioFrame : videoFrame;
    const header = type === 'audio' ? codec.encode({ q: seq }) : codec.encode({ q: seq, ...(keyframe ? { k: true } : {}) });
    stream.sent++;
    this.counters.framesSent++;
    await this.ctx.sessions.send(call.peer, stream.streamId, codec.name, header, sealed, { ...MEDIA, keyframe });
  }

  /** Feedback from the page (5 bytes after the flags): relayed to the friend on an active call. */
  async sendFeedback(pli: boolean, body: Uint8Array): Promise<void> {
    const call = this.call;
    if (call?.phase !== 'active' || body.length !== 5) return;
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const header = callFeedback.decode({ loss: view.getUint16(0), delay: view.getUint16(2), trend: view.getInt8(4), ...(pli ? { pli: true } : {}) });
    if (!header) return;
    await this.ctx.sessions.send(call.peer, call.sid, callFeedback.name, callFeedback.encode(header), undefined, MEDIA);
  }

  // ----- the friend's events ---------------------------------------------------------------

  onFeedback(event: InboundEvent): void {
    const header = callFeedback.decode(event.header);
    const call = this.call;
    if (!header || call?.phase !== 'active' || call.peer !== event.peer || call.sid !== event.stream) return;
    if (header.pli) {
      // Each PLI makes the page encode a keyframe: a friend asking many times a second would make
      // every frame one. An honest receiver repeats its request once a second.
      const now = Date.now();
      if (call.lastPliAt !== undefined && now - call.lastPliAt < PLI_MIN_INTERVAL_MS) {
        this.counters.plisDropped++;
        return;
      }
      call.lastPliAt = now;
    }
    const out = new Uint8Array(11);
    const view = new DataView(out.buffer);
    out[0] = FEEDBACK_TYPE;
    out[1] = header.pli ? FLAG_PLI : 0;
    view.setUint16(6, header.loss);
    view.setUint16(8, header.delay);
    view.setInt8(10, header.trend);
    for (const sink of this.sinks) sink(out);
  }

  async onOffer(event: InboundEvent): Promise<void> {
    const offer = callOffer.decode(event.header);
    if (!offer || offer.sid !== event.stream) return;
    const now = Date.now();
    if (now - offer.ts > this.ringTimeoutMs()) return; // a stale offer from the queue: the caller gave up
    if (offer.ts - now > MAX_OFFER_SKEW_MS) {
      // Stamped in the future past any clock skew: it would dodge the staleness check.
      this.counters.offersFuture++;
      return;
    }
    if (this.call?.sid === offer.sid) return; // a retransmission
    const busy = () => this.sendReject(event.peer, offer.sid, 'busy');
    if (this.call) return void (await busy());
    const recent = this.ringWindow(event.peer, now);
    if (recent.at.length >= RING_LIMIT) {
      // Rung too often: not rung, answered busy, and one "missed call" recorded per window (the
      // history collapses it with the missed calls before it).
      this.counters.offersThrottled++;
      if (!recent.recorded) {
        recent.recorded = true;
        this.onEnded?.({ stream_id: offer.sid, peer: event.peer, direction: 'incoming', reason: 'missed', duration_ms: 0, started_at: now, ended_at: now });
      }
      return void (await busy());
    }
    recent.at.push(now);
    recent.recorded = false;
    this.call = { sid: offer.sid, peer: event.peer, role: 'callee', salt: offer.salt, withVideo: offer.video, startedAt: Date.now(), phase: 'ringing', muted: false, cameraOff: false, remoteMuted: false, remoteCameraOff: false, streamsUsed: new Set() };
    this.armRingTimer(offer.sid);
    this.ctx.events.emit('offered', { peer: event.peer, stream_id: offer.sid, with_video: offer.video });
  }

  async onAccept(event: InboundEvent): Promise<void> {
    const header = callAccept.decode(event.header);
    const call = this.call;
    if (!header || !call || call.peer !== event.peer || call.sid !== header.sid || call.role !== 'caller' || call.phase !== 'ringing') return;
    await this.activate(call);
    this.ctx.events.emit('accepted', { peer: event.peer, stream_id: call.sid });
  }

  onReject(event: InboundEvent): void {
    const header = callReject.decode(event.header);
    const call = this.call;
    if (!header || !call || call.peer !== event.peer || call.sid !== header.sid || call.role !== 'caller') return;
    this.end(call, header.reason === 'declined' ? 'rejected' : header.reason);
  }

  onHangup(event: InboundEvent): void {
    const header = callHangup.decode(event.header);
    const call = this.call;
    if (!header || !call || call.peer !== event.peer || call.sid !== header.sid) return;
    // A call the caller gave up on before it was answered is a missed call for the callee.
    this.end(call, call.phase === 'ringing' ? 'missed' : 'hangup');
  }

  onMute(event: InboundEvent): void {
    const header = callMute.decode(event.header);
    const call = this.call;
    if (!header || !call || call.peer !== event.peer || call.sid !== header.sid) return;
    if (header.muted !== undefined) call.remoteMuted = header.muted;
    if (header.off !== undefined) call.remoteCameraOff = header.off;
    this.ctx.events.emit('mute', { peer: event.peer, stream_id: call.sid, muted: call.remoteMuted, off: call.remoteCameraOff });
  }

  onVideo(event: InboundEvent, on: boolean): void {
    const header = (on ? callVideoStart : callVideoStop).decode(event.header);
    const call = this.call;
    if (!header || !call || call.peer !== event.peer || call.sid !== header.sid || call.phase !== 'active') return;
    if (on && call.streamsUsed.has(header.vsid)) {
      this.counters.stray++;
      return;
    }
    if (on && !call.video) call.video = this.openStream(call, header.vsid, 'video');
    if (!on && call.video?.streamId === header.vsid) {
      this.closeStream(call.video);
      call.video = undefined;
    }
    this.ctx.events.emit('video', { peer: event.peer, stream_id: call.sid, video_stream_id: header.vsid, on });
  }

  onFrame(event: InboundEvent, type: MediaType): void {
    const header = (type === 'audio' ? audioFrame : videoFrame).decode(event.header);
    const call = this.call;
    const stream = call?.phase === 'active' && call.peer === event.peer ? call[type] : undefined;
    if (!header || !stream || stream.streamId !== event.stream) {
      this.counters.stray++;
      return;
    }
    const before = { ...stream.opener.counters };
    const frame = stream.opener.open(header.q, event.payload);
    this.counters.forged += stream.opener.counters.forged - before.forged;
    this.counters.replayed += stream.opener.counters.replayed - before.replayed;
    if (!frame) return;
    this.counters.framesReceived++;
    const out = new Uint8Array(6 + frame.length);
    out[0] = MEDIA_TYPE_BYTE[type];
    out[1] = header.k ? FLAG_KEYFRAME : 0;
    new DataView(out.buffer).setUint32(2, header.q);
    out.set(frame, 6);
    for (const sink of this.sinks) sink(out);
  }

  async onNack(report: NackReport): Promise<void> {
    if (!report.kind.startsWith('calls.') || report.kind === audioFrame.name || report.kind === videoFrame.name) return;
    const friend = await this.ctx.friends.get(report.peer);
    const name = friend?.label ?? 'Your friend';
    const message = report.reason === 'kind-disabled' || report.reason === 'kind-unknown' ? `${name} has calls turned off` : report.message;
    // Shown even if the call already ended here (say the ring timer fired first): the user learns why.
    this.ctx.events.emit('nack', { peer: report.peer, stream_id: report.stream, reason: report.reason, message });
    const call = this.call;
    if (call && call.peer === report.peer && call.sid === report.stream) this.end(call, 'refused');
  }

  /**
   * The session with the call's friend ended: the call waits a few seconds for it to come back
   * (keys kept, media dropped meanwhile), then ends on this side; the friend's side does the same.
   */
  onSessionClosed(peer: PeerKey): void {
    const call = this.call;
    if (call?.peer !== peer || this.reconnectTimer) return;
    this.ctx.events.emit('reconnecting', { peer, stream_id: call.sid });
    this.reconnectTimer = this.ctx.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.call === call && !this.ctx.sessions.get(peer)) this.end(call, 'session-lost');
    }, RECONNECT_GRACE_MS);
  }

  /** A session with the call's friend opened again within the grace: the call goes on. */
  onSessionOpened(peer: PeerKey): void {
    const call = this.call;
    if (call?.peer !== peer || !this.reconnectTimer) return;
    this.reconnectTimer.dispose();
    this.reconnectTimer = undefined;
    this.ctx.events.emit('reconnected', { peer, stream_id: call.sid });
  }

  /** Lock, persona switch or the extension stopping: end the call and wipe its keys. */
  dispose(): void {
    if (this.call) this.end(this.call, 'locked');
    this.sinks.clear();
  }

  // ----- internals -------------------------------------------------------------------------

  private async activate(call: Call): Promise<void> {
    call.callKey = await this.ctx.keys.friendKey(call.peer, CALLS_KEY_INFO, Buffer.from(call.salt, 'hex'));
    if (this.call !== call) {
      call.callKey.fill(0); // ended while the key was derived
      throw new KithError('KITH_ERR_CONFLICT', 'The call ended');
    }
    call.phase = 'active';
    call.acceptedAt = Date.now();
    call.audio = this.openStream(call, call.sid, 'audio');
    this.ringTimer?.dispose();
    this.ringTimer = undefined;
  }

  private openStream(call: Call, streamId: string, type: MediaType): MediaStream {
    call.streamsUsed.add(streamId);
    const keys = streamKeys(call.callKey!, streamId, type, call.role);
    return { type, streamId, sealer: new MediaSealer(keys.send, streamId, type), opener: new MediaOpener(keys.receive, streamId, type), sent: 0 };
  }

  private closeStream(stream: MediaStream): void {
    stream.sealer.wipe();
    stream.opener.wipe();
  }

  private end(call: Call, reason: string): void {
    if (this.call !== call) return;
    this.call = undefined;
    this.ringTimer?.dispose();
    this.ringTimer = undefined;
    this.reconnectTimer?.dispose();
    this.reconnectTimer = undefined;
    if (call.audio) this.closeStream(call.audio);
    if (call.video) this.closeStream(call.video);
    call.callKey?.fill(0);
    call.callKey = undefined;
    const duration = call.acceptedAt ? Date.now() - call.acceptedAt : 0;
    this.ctx.events.emit('ended', { peer: call.peer, stream_id: call.sid, reason, duration_ms: duration });
    this.onEnded?.({
      stream_id: call.sid, peer: call.peer, direction: call.role === 'caller' ? 'outgoing' : 'incoming',
      reason, duration_ms: duration, started_at: call.startedAt, ended_at: Date.now(),
    });
  }

  private armRingTimer(sid: string): void {
    this.ringTimer?.dispose();
    this.ringTimer = this.ctx.timers.setTimeout(() => {
      const call = this.call;
      if (!call || call.sid !== sid || call.phase !== 'ringing') return;
      this.end(call, 'missed');
      // The caller tells the friend it gave up; the callee's own timer ends its side.
      if (call.role === 'caller') {
        this.ctx.sessions.send(call.peer, sid, callHangup.name, callHangup.encode({ sid }), undefined, CONTROL).catch(() => undefined);
      }
    }, this.ringTimeoutMs());
  }

  /** The friend's rings still inside RING_WINDOW_MS; friends with none are forgotten. */
  private ringWindow(peer: PeerKey, now: number): RingWindow {
    for (const [key, entry] of this.rings) {
      entry.at = entry.at.filter((t) => now - t < RING_WINDOW_MS);
      if (entry.at.length === 0 && key !== peer) this.rings.delete(key);
    }
    let window = this.rings.get(peer);
    if (!window) this.rings.set(peer, (window = { at: [], recorded: false }));
    return window;
  }

  private sendReject(peer: PeerKey, sid: string, reason: RejectReason): Promise<unknown> {
    return this.ctx.sessions.send(peer, sid, callReject.name, callReject.encode({ sid, reason }), undefined, CONTROL);
  }

  /** Only no call, or an incoming one still ringing, lets the user start a call. */
  private ensurePreemptable(): void {
    const call = this.call;
    if (call && !(call.role === 'callee' && call.phase === 'ringing')) throw new KithError('KITH_ERR_CONFLICT', 'A call is already in progress');
  }

  private ringTimeoutMs(): number {
    const value = Number(this.ctx.settings.get(RING_TIMEOUT_SETTING) ?? DEFAULT_RING_TIMEOUT_S);
    return Math.min(Math.max(Number.isFinite(value) ? value : DEFAULT_RING_TIMEOUT_S, 1), 120) * 1000;
  }

  private current(peer: PeerKey): Call {
    const call = this.call;
    if (!call || call.peer !== peer) throw new KithError('KITH_ERR_NOT_FOUND', 'No call with this friend');
    return call;
  }

  private expect(peer: PeerKey, sid: string, role: Call['role'], phase: Call['phase']): Call {
    const call = this.current(peer);
    if (call.sid !== sid || call.role !== role || call.phase !== phase) throw new KithError('KITH_ERR_CONFLICT', 'No such ringing call');
    return call;
  }
}
