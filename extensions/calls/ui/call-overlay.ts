import { ChangeDetectionStrategy, Component, computed, effect, inject, input, untracked } from '@angular/core';
import type { UiHost } from '@kith/sdk';
import { CallController } from './call-controller';
import { formatDuration } from './call-format';

/**
 * The calls view of the shell's `overlay` slot, on every page: the incoming-call banner (voice or
 * video; answer, answer without video, decline; a ring) and, during a call while the call page is not shown, the mini call widget
 * (friend, duration, mute, hang up; a click goes back to the call page). Nothing when idle.
 */
@Component({
  selector: 'calls-call-overlay',
  template: `
    @if (calls.phase() === 'incoming') {
      <div class="card banner" role="alertdialog" aria-labelledby="calls-banner-title" data-testid="call-banner" [attr.data-ringing]="calls.ringing()">
        <span class="material-symbols-outlined pulse" aria-hidden="true">ring_volume</span>
        <div class="text">
          <strong id="calls-banner-title">{{ calls.peerName() }}</strong>
          <span class="muted" data-testid="banner-kind">{{ calls.videoCall() ? 'Video call' : 'Voice call' }}</span>
        </div>
        <button type="button" class="round end" (click)="calls.decline()" data-testid="banner-decline" aria-label="Decline">
          <span class="material-symbols-outlined" aria-hidden="true">call_end</span>
        </button>
        @if (calls.videoCall()) {
          <button type="button" class="round accept" (click)="accept(false)" data-testid="banner-accept-voice" aria-label="Answer without video">
            <span class="material-symbols-outlined" aria-hidden="true">call</span>
          </button>
          <button type="button" class="round accept" (click)="accept(true)" data-testid="banner-accept" aria-label="Answer with video">
            <span class="material-symbols-outlined" aria-hidden="true">videocam</span>
          </button>
        } @else {
          <button type="button" class="round accept" (click)="accept(false)" data-testid="banner-accept" aria-label="Answer">
            <span class="material-symbols-outlined" aria-hidden="true">call</span>
          </button>
        }
      </div>
    } @else if (showsWidget()) {
      <div class="card mini" data-testid="mini-call" [attr.data-phase]="calls.phase()">
        <button type="button" class="open" (click)="openCall()" data-testid="mini-open" aria-label="Back to the call">
          <span class="material-symbols-outlined" aria-hidden="true">call</span>
          <span class="text">
            <strong>{{ calls.peerName() }}</strong>
            <span class="muted" data-testid="mini-state">{{ stateText() }}</span>
          </span>
        </button>
        <button type="button" class="round small" [class.off]="calls.muted()" (click)="calls.toggleMute()" data-testid="mini-mute"
                [attr.aria-pressed]="calls.muted()" [attr.aria-label]="calls.muted() ? 'Unmute microphone' : 'Mute microphone'">
          <span class="material-symbols-outlined" aria-hidden="true">{{ calls.muted() ? 'mic_off' : 'mic' }}</span>
        </button>
        <button type="button" class="round small end" (click)="calls.hangup()" data-testid="mini-hangup" aria-label="Hang up">
          <span class="material-symbols-outlined" aria-hidden="true">call_end</span>
        </button>
      </div>
    }
  `,
  styles: `
    .card { display: flex; align-items: center; gap: 12px; padding: 10px 14px; border-radius: 16px; min-width: 260px;
            background: var(--mat-sys-surface-container-high); color: var(--mat-sys-on-surface); box-shadow: 0 4px 16px rgba(0,0,0,0.3); }
    .text { display: flex; flex-direction: column; flex: 1; text-align: left; }
    .muted { color: var(--mat-sys-on-surface-variant); font: var(--mat-sys-body-small); }
    .open { display: flex; align-items: center; gap: 10px; flex: 1; background: none; border: none; color: inherit; cursor: pointer; padding: 0; font: inherit; }
    .round { width: 44px; height: 44px; border-radius: 50%; border: none; cursor: pointer; display: inline-flex; align-items: center; justify-content: center;
             background: var(--mat-sys-surface-container-highest); color: var(--mat-sys-on-surface); }
    .round.small { width: 38px; height: 38px; }
    .round.off { background: var(--mat-sys-inverse-surface); color: var(--mat-sys-inverse-on-surface); }
    .round.end { background: #c62828; color: #fff; }
    .round.accept { background: #2e7d32; color: #fff; }
    button:focus-visible { outline: 3px solid var(--mat-sys-primary); outline-offset: 2px; }
    .pulse { color: var(--mat-sys-primary); animation: pulse 1s ease-in-out infinite alternate; }
    @keyframes pulse { from { transform: scale(0.9); } to { transform: scale(1.15); } }
    @media (prefers-reduced-motion: reduce) { .pulse { animation: none; } }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CallOverlay {
  readonly host = input.required<UiHost>();
  protected readonly calls = inject(CallController);
  protected readonly showsWidget = computed(() => this.calls.live() && !this.calls.pageOpen());
  protected readonly stateText = computed(() => {
    switch (this.calls.phase()) {
      case 'connected': return formatDuration(this.calls.now() - (this.calls.connectedAt() ?? this.calls.now()));
      case 'reconnecting': return 'Reconnecting…';
      case 'answering': return 'Connecting…';
      default: return 'Calling…';
    }
  });

  constructor() {
    // The overlay is on every page from the start: it is what hears of an incoming call.
    effect(() => {
      const host = this.host();
      untracked(() => this.calls.attach(host));
    });
  }

  protected accept(video: boolean): void {
    const peer = this.calls.peer();
    void this.calls.accept({ video });
    if (peer) this.host().navigate(`/call/${encodeURIComponent(peer)}`);
  }

  protected openCall(): void {
    const peer = this.calls.peer();
    if (peer) this.host().navigate(`/call/${encodeURIComponent(peer)}`);
  }
}
