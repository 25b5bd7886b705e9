import { ChangeDetectionStrategy, Component, ElementRef, computed, effect, inject, input, signal, untracked, viewChild, type OnDestroy } from '@angular/core';
import type { PageRoute, UiHost } from '@kith/sdk';
import { CallController } from './call-controller';
import { formatDuration } from './call-format';
import { friendKey } from './friend-key';
import { CallStatsView } from './call-stats';

/**
 * The call page (route `call/:peer`): the friend's video large, this side's preview small (muted),
 * mute, camera and hang-up buttons, the call's state and live quality. Opening it for a friend
 * with no call going starts one; the call itself lives in {@link CallController}, so leaving the
 * page keeps it (the mini widget shows it).
 */

/** The page route of a video call (the manifest's `calls.video-call` nav entry). */
const VIDEO_CALL_ROUTE = 'call/:peer/video';
@Component({
  selector: 'calls-call-page',
  imports: [CallStatsView],
  template: `
    <section class="call" data-testid="call-page" [attr.data-phase]="calls.phase()">
      <div class="stage">
        <canvas #remote class="remote" data-testid="remote-video" role="img" [attr.aria-label]="'Video from ' + calls.peerName()"
                [class.hidden]="!showsRemote()"></canvas>
        @if (!showsRemote()) {
          <div class="placeholder" data-testid="remote-placeholder" aria-hidden="true">
            <span class="material-symbols-outlined">person</span>
            <span class="name">{{ calls.peerName() }}</span>
          </div>
        }
        <video #self class="self" data-testid="self-video" [class.hidden]="!calls.localVideo() || calls.cameraOff()" autoplay playsinline muted aria-hidden="true"></video>
        <div class="top">
          <h1 class="who">{{ calls.peerName() }}</h1>
          <p class="state" data-testid="call-state" role="status">{{ stateText() }}</p>
          @if (calls.remoteMuted()) { <p class="note">{{ calls.peerName() }} muted their microphone</p> }
        </div>
        @if (calls.stats(); as stats) { <calls-call-stats class="stats" [stats]="stats" /> }
      </div>
      @for (problem of calls.problems(); track $index) {
        <p class="problem" role="alert" data-testid="call-problem">
          <span class="material-symbols-outlined" aria-hidden="true">error</span>{{ problem }}
        </p>
      }
      @if (otherCall()) {
        <p class="problem" role="alert">You are in a call with {{ calls.peerName() }}: hang up first to call someone else.</p>
      }
      <div class="controls">
        @if (calls.phase() === 'incoming') {
          @if (calls.videoCall()) {
            <button type="button" class="round accept" (click)="calls.accept({ video: false })" data-testid="page-accept-voice" aria-label="Answer without video">
              <span class="material-symbols-outlined" aria-hidden="true">call</span>
            </button>
          }
          <button type="button" class="round accept" (click)="calls.accept({ video: calls.videoCall() })" data-testid="page-accept"
                  [attr.aria-label]="calls.videoCall() ? 'Answer with video' : 'Answer'">
            <span class="material-symbols-outlined" aria-hidden="true">{{ calls.videoCall() ? 'videocam' : 'call' }}</span>
          </button>
          <button type="button" class="round end" (click)="calls.decline()" aria-label="Decline">
            <span class="material-symbols-outlined" aria-hidden="true">call_end</span>
          </button>
        } @else if (calls.live()) {
          <button type="button" class="round" [class.off]="calls.muted()" (click)="calls.toggleMute()" data-testid="mute-button"
                  [attr.aria-pressed]="calls.muted()" [attr.aria-label]="calls.muted() ? 'Unmute microphone' : 'Mute microphone'">
            <span class="material-symbols-outlined" aria-hidden="true">{{ calls.muted() ? 'mic_off' : 'mic' }}</span>
          </button>
          <button type="button" class="round" [class.off]="calls.cameraOff()" (click)="calls.toggleCamera()" data-testid="camera-button"
                  [attr.aria-pressed]="calls.cameraOff()" [attr.aria-label]="calls.cameraOff() ? 'Turn camera on' : 'Turn camera off'">
            <span class="material-symbols-outlined" aria-hidden="true">{{ calls.cameraOff() ? 'videocam_off' : 'videocam' }}</span>
          </button>
          <button type="button" class="round end" (click)="calls.hangup()" data-testid="hangup-button" aria-label="Hang up">
            <span class="material-symbols-outlined" aria-hidden="true">call_end</span>
          </button>
          <button type="button" class="round" (click)="toggleFullscreen()" data-testid="fullscreen-button" aria-label="Full screen">
            <span class="material-symbols-outlined" aria-hidden="true">fullscreen</span>
          </button>
        } @else {
          @if (peer()) {
            <button type="button" class="round accept" (click)="callAgain()" data-testid="call-again" aria-label="Call again">
              <span class="material-symbols-outlined" aria-hidden="true">call</span>
            </button>
          }
          <!-- No call going (ended, declined, or none to have): always a way back. -->
          <button type="button" class="pill" (click)="backToChat()" data-testid="back-to-chat">
            <span class="material-symbols-outlined" aria-hidden="true">arrow_back</span>{{ conversation() ? 'Back to chat' : 'Back to chats' }}
          </button>
        }
      </div>
    </section>
  `,
  styles: `
    :host { display: block; background: var(--mat-sys-surface); }
    :host(:fullscreen) .call { min-height: 100vh; }
    .call { display: flex; flex-direction: column; gap: 12px; padding: 12px; box-sizing: border-box; min-height: calc(100vh - 130px); }
    .stage { position: relative; flex: 1; min-height: 320px; border-radius: 16px; overflow: hidden; background: #111; color: #fff; }
    .remote { width: 100%; height: 100%; position: absolute; inset: 0; object-fit: contain; }
    .remote.hidden { display: none; }
    .placeholder { position: absolute; inset: 0; background: #111; display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 8px; }
    .placeholder .material-symbols-outlined { font-size: 96px; opacity: 0.6; }
    .placeholder .name { font: var(--mat-sys-title-large); }
    .self { position: absolute; right: 16px; bottom: 16px; width: 22%; max-width: 240px; min-width: 120px; border-radius: 12px; border: 2px solid rgba(255,255,255,0.6); background: #000; transform: scaleX(-1); }
    .self.hidden { display: none; }
    .top { position: absolute; left: 16px; top: 12px; text-shadow: 0 1px 3px #000; }
    .who { margin: 0; font: var(--mat-sys-headline-small); }
    .state { margin: 4px 0 0; font: var(--mat-sys-title-medium); }
    .note { margin: 4px 0 0; }
    .stats { position: absolute; right: 16px; top: 12px; }
    .problem { display: flex; gap: 8px; align-items: center; margin: 0; padding: 8px 12px; border-radius: 8px; background: var(--mat-sys-error-container); color: var(--mat-sys-on-error-container); }
    .controls { display: flex; justify-content: center; gap: 20px; padding: 8px; }
    .round { width: 56px; height: 56px; border-radius: 50%; border: none; cursor: pointer; display: inline-flex; align-items: center; justify-content: center;
             background: var(--mat-sys-surface-container-highest); color: var(--mat-sys-on-surface); }
    .round.off { background: var(--mat-sys-inverse-surface); color: var(--mat-sys-inverse-on-surface); }
    .round.end { background: #c62828; color: #fff; }
    .round.accept { background: #2e7d32; color: #fff; }
    .pill { height: 56px; padding: 0 24px 0 16px; border-radius: 28px; border: none; cursor: pointer; display: inline-flex; align-items: center; gap: 8px;
            font: var(--mat-sys-label-large); background: var(--mat-sys-surface-container-highest); color: var(--mat-sys-on-surface); }
    .pill:focus-visible, .round:focus-visible { outline: 3px solid var(--mat-sys-primary); outline-offset: 2px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CallPage implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly route = input<PageRoute | null>(null);
  protected readonly calls = inject(CallController);
  private frames = 0;
  /** A frame of the friend's video is on the canvas (none after it was cleared). */
  private readonly pictureDrawn = signal(false);
  private readonly remote = viewChild.required<ElementRef<HTMLCanvasElement>>('remote');
  private readonly self = viewChild.required<ElementRef<HTMLVideoElement>>('self');
  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef);
  private stopFrames: (() => void) | undefined;

  protected readonly peer = computed(() => friendKey(this.route()?.params['peer']));
  /** `call/self`: Notes to self, which has nobody to call. */
  protected readonly toSelf = computed(() => this.route()?.params['peer'] === 'self');
  /** The conversation "Back to chat" opens: the friend of the URL (or Notes to self), else the call's. */
  protected readonly conversation = computed(() => this.peer() ?? (this.toSelf() ? 'self' : this.calls.peer()));
  /** Opened as a video call (`call/:peer/video`, the Video call action); `call/:peer` is a voice call. */
  protected readonly withVideo = computed(() => this.route()?.pattern === VIDEO_CALL_ROUTE);
  protected readonly otherCall = computed(() => this.calls.live() && !!this.peer() && this.calls.peer() !== this.peer());
  /** The friend's picture, or their avatar while there is none: their camera off, the call over. */
  private readonly remotePictureGone = computed(() => this.calls.remoteCameraOff() || !this.calls.live());
  protected readonly showsRemote = computed(() => this.pictureDrawn() && !this.remotePictureGone());
  protected readonly stateText = computed(() => {
    const phase = this.calls.phase();
    switch (phase) {
      case 'calling': return 'Calling…';
      case 'ringing': return 'Ringing…';
      case 'incoming': return 'Incoming call';
      case 'answering': return 'Connecting…';
      case 'connected': return `Connected ${formatDuration(this.calls.now() - (this.calls.connectedAt() ?? this.calls.now()))}`;
      case 'reconnecting': return 'Reconnecting…';
      case 'ended': return `Call ended: ${this.calls.endText()}`;
      default:
        if (this.toSelf()) return 'Calls are with a friend: there is no one to call in Notes to self';
        return this.peer() ? 'No call' : 'No friend given';
    }
  });

  constructor() {
    this.calls.pageOpen.set(true);
    // A friend in the URL and no call going, or only a ring: start one (the conversation's call
    // button lands here); a ring from that friend is answered, one from anyone else declined.
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => {
        this.calls.attach(host);
        // Once per visit: this page made again (calls turned off and on, a reload) must not call
        // anyone by itself. The history entry remembers it; a new press of Call is a new entry.
        const started = (history.state as { kithCallStarted?: unknown } | null)?.kithCallStarted;
        if (!peer || started === peer) return;
        history.replaceState({ ...(history.state ?? {}), kithCallStarted: peer }, '');
        if (!this.calls.live() || this.calls.phase() === 'incoming') void this.calls.call(peer, host, { video: this.withVideo() });
      });
    });
    effect(() => {
      const stream = this.calls.localVideo();
      const video = this.self().nativeElement;
      if (video.srcObject !== stream) video.srcObject = stream;
    });
    effect(() => {
      const canvas = this.remote().nativeElement;
      untracked(() => {
        this.stopFrames?.();
        this.stopFrames = this.calls.onRemoteFrame((frame) => this.draw(canvas, frame));
      });
    });
    // The friend's camera went off or the call ended: their last frame must not linger on the canvas.
    effect(() => {
      const canvas = this.remote().nativeElement;
      if (!this.remotePictureGone()) return;
      untracked(() => {
        canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
        this.pictureDrawn.set(false);
      });
    });
  }

  ngOnDestroy(): void {
    this.stopFrames?.();
    this.calls.pageOpen.set(false);
    this.calls.dismiss();
  }

  /** The whole call (video, controls) fills the screen; again to leave. */
  protected toggleFullscreen(): void {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void this.element.nativeElement.requestFullscreen().catch(() => undefined);
  }

  protected callAgain(): void {
    const peer = this.peer();
    if (peer) void this.calls.call(peer, this.host(), { video: this.calls.videoCall() });
  }

  protected backToChat(): void {
    const peer = this.conversation();
    this.host().navigate(peer ? `/chats?peer=${encodeURIComponent(peer)}` : '/chats');
  }

  private draw(canvas: HTMLCanvasElement, frame: VideoFrame): void {
    // A frame still in flight as the camera went off or the call ended would freeze on screen.
    if (this.remotePictureGone()) return;
    if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
      canvas.width = frame.displayWidth;
      canvas.height = frame.displayHeight;
    }
    canvas.getContext('2d')?.drawImage(frame, 0, 0);
    if (!this.pictureDrawn()) this.pictureDrawn.set(true);
    this.frames++;
    // Read by tests and assistive checks without change detection per frame.
    if (this.frames % 10 === 1) canvas.dataset['frames'] = String(this.frames);
  }
}
