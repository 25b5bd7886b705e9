/**
 * The one call of this page: state, devices and the media engine, kept at the root of the app so
 * moving between pages never drops the call (the call page, the banner and the mini widget only
 * show it). Listens to the extension's events (`offered`, `accepted`, `ended`, `mute`, `video`,
 * `nack`, `reconnecting`, `reconnected`) and drives the routes.
 */
import { Injectable, computed, signal } from '@angular/core';
import type { Disposable, PageChannel, UiHost } from '@kith/sdk';
import { startAudioLink, type AudioLink } from './audio-link';
import { endReasonText, qualityOf, type CallQuality } from './call-format';
import { openCallDevices, openCamera } from './device-errors';
import { RINGBACK, Ringer } from './ringer';
import { pickVideoCodec } from './video-engine';
import { startVideoLink, type VideoLink } from './video-link';

export type CallPhase = 'idle' | 'calling' | 'ringing' | 'incoming' | 'answering' | 'connected' | 'reconnecting' | 'ended';
const LIVE: ReadonlySet<CallPhase> = new Set(['calling', 'ringing', 'incoming', 'answering', 'connected', 'reconnecting']);
/** A page picks a call's media up again at most this often (pickUpAgain). */
const MAX_PICK_UPS = 5;
const PICK_UP_WINDOW_MS = 60_000;

export interface CallStats {
  /** Session round trip, ms (null before the first sample). */
  readonly rttMs: number | null;
  /** Share of the friend's frames lost on the way here, 0–1. */
  readonly lossIn: number;
  /** Share of this side's audio the friend reports lost, 0–1. */
  readonly lossOut: number;
  /** What this side receives, kb/s. */
  readonly receiveKbps: number;
  /** What this side's encoders aim at (audio + video), kb/s. */
  readonly sendKbps: number;
  /** The jitter buffer's current target, ms. */
  readonly jitterMs: number;
  readonly videoFrames: number;
  readonly quality: CallQuality;
}

interface Status {
  call: null | { stream_id: string; peer: string; direction: 'outgoing' | 'incoming'; state: 'ringing' | 'active'; with_video: boolean; accepted_at: number | null; video: object | null; muted: boolean; camera_off: boolean; remote_muted: boolean; remote_camera_off: boolean };
  session: null | { rtt_ms: number | null; loss_inbound: number };
}
interface CallEvent { peer: string; stream_id: string; reason?: string; duration_ms?: number; message?: string; muted?: boolean; off?: boolean; on?: boolean; with_video?: boolean }

@Injectable({ providedIn: 'root' })
export class CallController {
  readonly phase = signal<CallPhase>('idle');
  readonly peer = signal<string | null>(null);
  readonly peerName = signal('');
  readonly direction = signal<'outgoing' | 'incoming' | null>(null);
  readonly connectedAt = signal<number | null>(null);
  readonly endReason = signal<string | null>(null);
  /** Device problems and refusals, in the user's words. */
  readonly problems = signal<readonly string[]>([]);
  readonly muted = signal(false);
  readonly cameraOff = signal(false);
  readonly remoteMuted = signal(false);
  readonly remoteCameraOff = signal(false);
  readonly localVideo = signal<MediaStream | null>(null);
  readonly stats = signal<CallStats | null>(null);
  readonly ringing = signal(false);
  /** Whether the call is a video call (the caller chose it); a voice call asks for no camera. */
  readonly videoCall = signal(false);
  /** True while the call page shows the call (the mini widget hides then). */
  readonly pageOpen = signal(false);
  /** Wall clock, ticking each second during a call (durations). */
  readonly now = signal(Date.now());
  readonly live = computed(() => LIVE.has(this.phase()));
  readonly endText = computed(() => {
    const reason = this.endReason();
    return reason ? endReasonText(reason, this.direction(), this.peerName()) : '';
  });

  private host: UiHost | undefined;
  private subscriptions: Disposable[] = [];
  private streamId: string | null = null;
  private channel: PageChannel | undefined;
  private audio: AudioLink | undefined;
  private video: VideoLink | undefined;
  private tracks: { audio?: MediaStreamTrack; video?: MediaStreamTrack } = {};
  private devicesAsked: Promise<void> | undefined;
  /** Whether this side asks for its camera in this call: not for a voice call, nor when answered without video. */
  private wantsCamera = false;
  private readonly ringer = new Ringer();
  private readonly ringback = new Ringer(RINGBACK);
  private readonly frameListeners = new Set<(frame: VideoFrame) => void>();
  private videoFrames = 0;
  private receivedBytes = 0;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private misses = 0;
  private lastStatsAt = 0;
  private lastBytes = 0;
  /** Bumped per call: work of a call that already ended stops at its next step. */
  private generation = 0;
  /** When this page picked the call's media up again (pickUpAgain), within the last minute. */
  private pickUps: number[] = [];

  /** Follow `host` (one per persona): the first view to show calls hands it over. */
  attach(host: UiHost): void {
    if (this.host === host) return;
    this.detach();
    this.host = host;
    const on = (name: string, run: (e: CallEvent) => void) => this.subscriptions.push(host.on(name, (p) => run(p as CallEvent)));
    on('offered', (e) => this.onOffered(e));
    on('accepted', (e) => this.matches(e) && void this.onAccepted());
    on('ended', (e) => this.matches(e) && this.onEnded(e.reason ?? 'hangup'));
    on('mute', (e) => {
      if (!this.matches(e)) return;
      this.remoteMuted.set(!!e.muted);
      this.remoteCameraOff.set(!!e.off);
    });
    on('video', (e) => this.matches(e) && e.on && void this.startVideo());
    on('nack', (e) => e.peer === this.peer() && e.message && this.problems.update((p) => [...p, e.message!]));
    on('reconnecting', (e) => this.matches(e) && this.phase.set('reconnecting'));
    on('reconnected', (e) => this.matches(e) && this.phase.set('connected'));
    // A call already going when the page loaded (a reload): a ringing one shows its banner, an
    // active one picks its media up again here.
    host.request<Status>('GET', '/calls/status').then((s) => {
      if (!s.call || this.phase() !== 'idle') return;
      if (s.call.direction === 'incoming' && s.call.state === 'ringing') this.onOffered({ peer: s.call.peer, stream_id: s.call.stream_id, with_video: s.call.with_video });
      if (s.call.state === 'active') void this.resume(s.call);
    }, () => undefined);
  }

  /**
   * Start a call to `peer`, with video or voice only: ask for the devices (the camera only for
   * video), open the media channel, offer. While a friend's call rings here, calling that friend
   * answers it (with video if this call was to have it), and calling anyone else declines it (the
   * host answers the ring `busy` as the new call goes out).
   */
  async call(peer: string, host: UiHost, options: { video?: boolean } = {}): Promise<void> {
    const video = options.video ?? false;
    this.attach(host);
    if (this.phase() === 'incoming') {
      if (this.peer() === peer) return this.accept({ video });
      this.stopRinging();
    } else if (this.live()) return;
    const generation = this.reset(peer, 'outgoing', 'calling');
    this.wantsCamera = video;
    void this.resolveName(peer);
    await this.prepare();
    if (generation !== this.generation) return;
    // A camera that could not start makes it a voice call (the reason is among the problems).
    this.videoCall.set(!!this.tracks.video);
    this.cameraOff.set(!this.tracks.video);
    try {
      const answer = await host.request<{ stream_id: string }>('POST', `/sessions/${peer}/calls/start`, { with_video: !!this.tracks.video });
      if (generation !== this.generation) return;
      this.streamId ??= answer.stream_id;
      if (this.phase() === 'calling') {
        this.phase.set('ringing');
        this.ringback.start();
      }
    } catch (error) {
      if (generation !== this.generation) return;
      this.problems.update((p) => [...p, (error as Error).message]);
      this.onEnded('failed');
    }
  }

  /**
   * Answer the ringing call; `video: false` answers a video call without this side's camera (the
   * friend's video still shows, and the camera can be turned on later). A voice call never asks
   * for the camera.
   */
  async accept(options: { video?: boolean } = {}): Promise<void> {
    const peer = this.peer();
    if (!this.host || !peer || this.phase() !== 'incoming') return;
    const generation = this.generation;
    this.stopRinging();
    this.phase.set('answering');
    this.wantsCamera = this.videoCall() && (options.video ?? true);
    // No camera asked for (a voice call, or answered without video) is a camera off: the button
    // offers to turn it on, and one press does.
    this.cameraOff.set(!this.wantsCamera);
    await this.prepare();
    if (generation !== this.generation) return;
    this.cameraOff.set(!this.tracks.video);
    try {
      await this.host.request('POST', `/sessions/${peer}/calls/accept`, { stream_id: this.streamId });
      if (this.videoCall() && !this.tracks.video) {
        // The friend sees "camera off" rather than a picture that never comes.
        await this.host.request('POST', `/sessions/${peer}/calls/video/mute`, { off: true }).catch(() => undefined);
      }
    } catch (error) {
      if (generation !== this.generation) return;
      this.problems.update((p) => [...p, (error as Error).message]);
      this.onEnded('failed');
    }
  }

  async decline(): Promise<void> {
    const peer = this.peer();
    if (!this.host || !peer || this.phase() !== 'incoming') return;
    this.stopRinging();
    await this.host.request('POST', `/sessions/${peer}/calls/reject`, { stream_id: this.streamId, reason: 'declined' }).catch(() => this.onEnded('rejected'));
  }

  async hangup(): Promise<void> {
    const peer = this.peer();
    if (!this.host || !peer || !this.live()) return;
    // The `ended` event tears the call down; a call the host no longer knows ends here too.
    await this.host.request('POST', `/sessions/${peer}/calls/hangup`).catch(() => this.onEnded('hangup'));
  }

  async toggleMute(): Promise<void> {
    const muted = !this.muted();
    this.muted.set(muted);
    if (this.tracks.audio) this.tracks.audio.enabled = !muted;
    await this.host?.request('POST', `/sessions/${this.peer()}/calls/mute`, { muted }).catch(() => undefined);
  }

  async toggleCamera(): Promise<void> {
    const off = !this.cameraOff();
    if (!off && !this.tracks.video) return this.turnCameraOn();
    this.cameraOff.set(off);
    // The host drops the frames while the camera is off; the track stops sending light too.
    if (this.tracks.video) this.tracks.video.enabled = !off;
    await this.host?.request('POST', `/sessions/${this.peer()}/calls/video/mute`, { off }).catch(() => undefined);
  }

  /** Each decoded frame of the friend's video (the call page draws it); returns the unsubscribe. */
  onRemoteFrame(listener: (frame: VideoFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Forget an ended call (its page was closed). */
  dismiss(): void {
    if (this.phase() === 'ended') this.phase.set('idle');
  }

  // ----- events -------------------------------------------------------------------------------

  private matches(e: CallEvent): boolean {
    if (e.peer !== this.peer() || !this.live()) return false;
    // The stream id may not be known yet: the friend can answer before our start request returns.
    this.streamId ??= e.stream_id;
    return e.stream_id === this.streamId;
  }

  private onOffered(e: CallEvent): void {
    if (this.live()) return; // the host has answered busy already
    this.reset(e.peer, 'incoming', 'incoming');
    this.videoCall.set(e.with_video === true);
    this.streamId = e.stream_id;
    void this.resolveName(e.peer);
    this.ringer.start();
    this.ringing.set(this.ringer.playing);
  }

  private async onAccepted(): Promise<void> {
    if (this.phase() === 'connected') return;
    this.stopRinging();
    if (this.phase() === 'incoming') {
      // Answered on another page of this persona: that page carries the call.
      this.generation++;
      clearInterval(this.watchTimer);
      this.phase.set('idle');
      return;
    }
    this.phase.set('connected');
    this.connectedAt.set(Date.now());
    this.startTicking();
    const generation = this.generation;
    await this.prepare();
    if (generation !== this.generation || !this.channel) return;
    if (!this.audio) {
      this.audio = await startAudioLink(this.channel, { track: this.tracks.audio, receiveOnly: !this.tracks.audio, play: true });
      if (generation !== this.generation) this.audio.stop();
    }
    // The caller of a video call opens the video sub-stream (one side only, so there is one); the
    // friend's side starts its link on the `video` event. A voice call opens it only when someone
    // turns a camera on (turnCameraOn).
    if (this.direction() === 'outgoing' && this.videoCall() && this.host) {
      await this.host.request('POST', `/sessions/${this.peer()}/calls/video/start`).catch(() => undefined);
      if (generation === this.generation) await this.startVideo();
    }
  }

  /** Carry on an active call this page did not start (the page was reloaded mid-call). */
  private async resume(call: NonNullable<Status['call']>): Promise<void> {
    const generation = this.reset(call.peer, call.direction, 'answering');
    this.videoCall.set(call.with_video);
    // The camera as it was: on in a video call unless this side had it off (or answered without it).
    this.wantsCamera = (call.with_video || call.video !== null) && !call.camera_off;
    this.streamId = call.stream_id;
    this.remoteMuted.set(call.remote_muted);
    this.remoteCameraOff.set(call.remote_camera_off);
    void this.resolveName(call.peer);
    await this.prepare();
    // The host still drops what was muted; the new tracks say the same.
    if (call.muted && this.tracks.audio) this.tracks.audio.enabled = false;
    if (call.camera_off && this.tracks.video) this.tracks.video.enabled = false;
    this.muted.set(call.muted);
    this.cameraOff.set(call.camera_off || !this.tracks.video);
    if (generation !== this.generation) return;
    await this.onAccepted();
    this.connectedAt.set(call.accepted_at ?? Date.now());
    // The friend's side opened the video sub-stream already: no `video` event will come.
    if (generation === this.generation && call.video) await this.startVideo();
  }

  private onEnded(reason: string): void {
    // A call that rang here unanswered: say so on whatever page the user is.
    if (this.phase() === 'incoming' && reason === 'missed') this.host?.notify(`Missed call from ${this.peerName()}`);
    this.generation++;
    this.stopRinging();
    this.teardown();
    // Nothing of the friend's side outlives the call: no stale stats or "muted" note on its page.
    this.stats.set(null);
    this.remoteMuted.set(false);
    this.remoteCameraOff.set(false);
    this.endReason.set(reason);
    this.phase.set('ended');
  }

  // ----- media --------------------------------------------------------------------------------

  /** Ask for the devices and open the media channel, once per call. */
  private prepare(): Promise<void> {
    this.devicesAsked ??= (async () => {
      const generation = this.generation;
      const devices = await openCallDevices(this.wantsCamera);
      if (generation !== this.generation) {
        devices.audio?.stop();
        devices.video?.stop();
        return;
      }
      this.tracks = { audio: devices.audio, video: devices.video };
      if (devices.problems.length) this.problems.update((p) => [...p, ...devices.problems]);
      if (devices.video) this.localVideo.set(new MediaStream([devices.video]));
      try {
        const channel = await this.host!.openChannel('media');
        if (generation !== this.generation) {
          channel.close();
          return;
        }
        channel.onDidReceive((message) => {
          if (message instanceof Uint8Array) this.receivedBytes += message.length;
        });
        channel.onDidClose(({ reason }) => {
          if (reason === 'closed' || this.channel !== channel || generation !== this.generation) return;
          console.warn(`The call's media channel closed (${reason}); picking the call up again`);
          // Stop the links at once: they would go on encoding into the closed channel.
          this.releaseMedia();
          void this.pickUpAgain(generation);
        });
        this.channel = channel;
      } catch (error) {
        this.problems.update((p) => [...p, `The call's media cannot start: ${(error as Error).message}`]);
      }
    })();
    return this.devicesAsked;
  }

  /**
   * Turn the camera on in a call that has none yet (a voice call, or one answered without video):
   * ask for it, open the video sub-stream if there is none (the friend's side starts receiving on
   * its `video` event), and start this side's link again, now sending.
   */
  private async turnCameraOn(): Promise<void> {
    const peer = this.peer();
    if (!this.host || !peer || !this.live()) return;
    const generation = this.generation;
    const camera = await openCamera();
    if (generation !== this.generation) return camera.video?.stop();
    if (!camera.video) {
      this.problems.update((p) => [...p, camera.problem ?? 'The camera could not start.']);
      return;
    }
    this.wantsCamera = true;
    this.tracks = { ...this.tracks, video: camera.video };
    this.localVideo.set(new MediaStream([camera.video]));
    this.cameraOff.set(false);
    try {
      await this.host.request('POST', `/sessions/${peer}/calls/video/start`);
      await this.host.request('POST', `/sessions/${peer}/calls/video/mute`, { off: false });
    } catch (error) {
      this.problems.update((p) => [...p, (error as Error).message]);
      return;
    }
    if (generation !== this.generation) return;
    this.video?.stop();
    this.video = undefined;
    await this.startVideo();
  }

  private async startVideo(): Promise<void> {
    if (this.video || !this.channel) return;
    const generation = this.generation;
    const codec = await pickVideoCodec(320, 240).catch(() => undefined);
    if (generation !== this.generation || this.video || !this.channel) return;
    const settings = this.tracks.video?.getSettings();
    this.video = await startVideoLink(this.channel, {
      send: !!this.tracks.video,
      track: this.tracks.video,
      width: settings?.width ?? 640,
      height: settings?.height ?? 480,
      receiveCodec: codec,
      onFrame: (frame) => {
        this.videoFrames++;
        for (const listener of this.frameListeners) listener(frame);
        frame.close();
      },
    });
    if (generation !== this.generation) this.video.stop();
  }

  /**
   * The media channel closed under a live call without this page closing it: the page's socket
   * dropped (channels do not survive a reconnect) or the host ended it. Carry on as a reloaded page
   * does: an active call gets new devices, a new channel and new links; one not answered yet opens
   * them when it is. Asks the host until it answers (the socket may still be reconnecting).
   */
  private async pickUpAgain(generation: number, attempt = 0): Promise<void> {
    if (generation !== this.generation || !this.live()) return;
    const status = await this.host?.request<Status>('GET', '/calls/status').catch(() => undefined);
    if (generation !== this.generation || !this.live()) return;
    if (!status) {
      if (attempt < 20) setTimeout(() => void this.pickUpAgain(generation, attempt + 1), Math.min(2000, 250 * (attempt + 1)));
      return;
    }
    const call = status.call;
    if (call?.stream_id === this.streamId && call.state === 'active') {
      // A channel the host keeps closing (a page it refuses) must not loop: a few pick-ups a minute.
      const now = Date.now();
      this.pickUps = this.pickUps.filter((at) => now - at < PICK_UP_WINDOW_MS);
      if (this.pickUps.length >= MAX_PICK_UPS) {
        this.problems.update((p) => [...p, "The call's media keeps dropping on this page; reload it to try again"]);
        return;
      }
      this.pickUps.push(now);
      await this.resume(call);
      return;
    }
    // Not answered yet: the devices and a new channel open when it is (onAccepted's prepare).
  }

  private startTicking(): void {
    clearInterval(this.statsTimer);
    this.lastStatsAt = performance.now();
    this.lastBytes = this.receivedBytes;
    this.statsTimer = setInterval(() => void this.sampleStats(), 1000);
  }

  private async sampleStats(): Promise<void> {
    this.now.set(Date.now());
    const generation = this.generation;
    const status = await this.host?.request<Status>('GET', '/calls/status').catch(() => undefined);
    // The call ended meanwhile: its stats were cleared and stay so.
    if (generation !== this.generation) return;
    const now = performance.now();
    const receiveKbps = ((this.receivedBytes - this.lastBytes) * 8) / Math.max(1, now - this.lastStatsAt);
    this.lastStatsAt = now;
    this.lastBytes = this.receivedBytes;
    const rttMs = status?.session?.rtt_ms ?? null;
    const lossIn = status?.session?.loss_inbound ?? 0;
    const lossOut = this.audio?.peer.last?.loss ?? 0;
    this.stats.set({
      rttMs,
      lossIn,
      lossOut,
      receiveKbps,
      sendKbps: ((this.audio?.capture.bitrate ?? 0) + (this.cameraOff() ? 0 : this.video?.capture?.bitrate ?? 0)) / 1000,
      jitterMs: this.audio?.receiver.stats.targetMs ?? 0,
      videoFrames: this.videoFrames,
      quality: qualityOf(rttMs, Math.max(lossIn, lossOut)),
    });
  }

  // ----- bookkeeping --------------------------------------------------------------------------

  private reset(peer: string, direction: 'outgoing' | 'incoming', phase: CallPhase): number {
    this.generation++;
    this.teardown();
    this.peer.set(peer);
    this.peerName.set(peer.slice(0, 8));
    this.direction.set(direction);
    this.phase.set(phase);
    this.connectedAt.set(null);
    this.endReason.set(null);
    this.problems.set([]);
    this.muted.set(false);
    this.cameraOff.set(false);
    this.videoCall.set(false);
    this.wantsCamera = false;
    this.remoteMuted.set(false);
    this.remoteCameraOff.set(false);
    this.stats.set(null);
    this.streamId = null;
    this.videoFrames = 0;
    this.receivedBytes = 0;
    this.startWatching();
    return this.generation;
  }

  /**
   * Every 2 s while a call is live: a call the host no longer has (its `ended` event was lost with
   * the page's connection) ends here too, and a lock (423) ends it at once, so the microphone and
   * camera never stay on behind a locked Kith.
   */
  private startWatching(): void {
    clearInterval(this.watchTimer);
    this.misses = 0;
    this.watchTimer = setInterval(() => void this.checkStillThere(), 2000);
  }

  private async checkStillThere(): Promise<void> {
    const generation = this.generation;
    const host = this.host;
    if (!host || !this.live() || !this.streamId) return;
    let status: Status;
    try {
      status = await host.request<Status>('GET', '/calls/status');
    } catch (error) {
      if ((error as { status?: number }).status === 423 && generation === this.generation) this.onEnded('locked');
      return;
    }
    if (generation !== this.generation || !this.live()) return;
    this.misses = status.call?.stream_id === this.streamId ? 0 : this.misses + 1;
    if (this.misses >= 2) this.onEnded('hangup');
  }

  private teardown(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.releaseMedia();
  }

  /** Stop the links, close the channel, stop the devices: the next prepare() opens them again. */
  private releaseMedia(): void {
    this.audio?.stop();
    this.audio = undefined;
    this.video?.stop();
    this.video = undefined;
    this.channel?.close();
    this.channel = undefined;
    this.tracks.audio?.stop();
    this.tracks.video?.stop();
    this.tracks = {};
    this.devicesAsked = undefined;
    this.localVideo.set(null);
  }

  private stopRinging(): void {
    this.ringer.stop();
    this.ringback.stop();
    this.ringing.set(false);
  }

  private async resolveName(peer: string): Promise<void> {
    const friends = await this.host?.request<{ label: string; master_pubkey: string }[]>('GET', '/friends').catch(() => undefined);
    const friend = friends?.find((f) => f.master_pubkey === peer);
    if (friend && this.peer() === peer) this.peerName.set(friend.label);
  }

  private detach(): void {
    if (this.live()) this.onEnded('locked');
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    this.host = undefined;
    this.phase.set('idle');
  }
}

