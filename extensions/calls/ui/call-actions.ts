import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { UiHost } from '@kith/sdk';
import { friendKey } from './friend-key';

/**
 * The Voice call and Video call buttons in the open conversation's header (slot `home.header`).
 * A view rather than manifest peer actions because the shell shows those for every conversation,
 * Notes to self included, where there is nobody to call: this one shows them for a friend only.
 */
@Component({
  selector: 'calls-call-actions',
  imports: [MatButtonModule, MatTooltipModule],
  template: `
    @if (friend(); as peer) {
      <button mat-icon-button type="button" (click)="open(peer, false)" aria-label="Voice call" matTooltip="Voice call">
        <span class="material-symbols-outlined" aria-hidden="true">call</span>
      </button>
      <button mat-icon-button type="button" (click)="open(peer, true)" aria-label="Video call" matTooltip="Video call">
        <span class="material-symbols-outlined" aria-hidden="true">videocam</span>
      </button>
    }
  `,
  styles: `:host { display: inline-flex; align-items: center; }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CallActions {
  readonly host = input.required<UiHost>();
  /** The open conversation: a friend's key, or `self` (Notes to self). */
  readonly peer = input<string | null>(null);
  protected readonly friend = computed(() => friendKey(this.peer()));

  /** The call page (the manifest's `call/:peer` and `call/:peer/video` routes) starts the call. */
  protected open(peer: string, video: boolean): void {
    this.host().navigate(`/call/${encodeURIComponent(peer)}${video ? '/video' : ''}`);
  }
}
