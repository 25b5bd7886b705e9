import { ChangeDetectionStrategy, Component, effect, inject, output, untracked } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatTooltipModule } from '@angular/material/tooltip';
import { MatSnackBar } from '@angular/material/snack-bar';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { RendezvousStore } from './rendezvous-store';
import type { ConnectRequest } from './room-peer';

/**
 * Inbound connect requests: an Accept / Decline banner each; in Auto mode a friend's request is
 * accepted at once and a toast offers Undo (which closes the just-opened session).
 */
@Component({
  selector: 'kith-connect-prompts',
  imports: [MatButtonModule, MatTooltipModule, DatePipe],
  template: `
    @for (request of store.requests(); track request.nonce) {
      <div class="prompt" role="alertdialog" [attr.aria-label]="nameOf(request) + ' wants to connect'" data-testid="connect-prompt">
        <span class="material-symbols-outlined" aria-hidden="true">ring_volume</span>
        <span class="text"><strong>{{ nameOf(request) }}</strong> wants to connect
          @if (!request.friend) { <span class="badge warn" matTooltip="Not a friend: you have not paired with this key">not a friend</span> }
          <span class="waits">They wait until {{ request.expiresAt | date: 'HH:mm:ss' }}.</span></span>
        <span class="buttons">
          <button mat-button type="button" (click)="store.dismiss(request)" data-testid="decline">Decline</button>
          <!-- Kith opens sessions with friends only: a stranger's request cannot be accepted (pair first). -->
          @if (request.friend) {
            <button mat-flat-button type="button" (click)="accept(request)" data-testid="accept">Accept</button>
          } @else {
            <span class="pair-first" data-testid="pair-first">Pair with them first to connect</span>
          }
        </span>
      </div>
    }
  `,
  styles: `
    .prompt {
      display: flex; align-items: center; gap: 10px; flex-wrap: wrap;
      padding: 10px 14px; margin-bottom: 8px; border-radius: 12px;
      background: var(--mat-sys-primary-container); color: var(--mat-sys-on-primary-container);
    }
    .text { flex: 1; min-width: 160px; }
    .waits { display: block; font: var(--mat-sys-body-small); color: inherit; }
    .buttons { display: flex; gap: 6px; margin-left: auto; align-items: center; }
    .pair-first { font: var(--mat-sys-body-small); color: inherit; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConnectPrompts {
  protected readonly store = inject(RendezvousStore);
  readonly #api = inject(ApiClient);
  readonly #snackBar = inject(MatSnackBar);
  /** A session was accepted with this peer (master key): the page selects it. */
  readonly accepted = output<string>();

  constructor() {
    effect(() => {
      if (this.store.autoAccepts().length === 0) return;
      untracked(() => {
        for (const request of this.store.takeAutoAccepts()) void this.#autoAccept(request);
      });
    });
  }

  protected nameOf(request: ConnectRequest): string {
    return this.store.nameOf(request.from) ?? this.store.nameOf(request.fromPeerId) ?? request.label;
  }

  protected async accept(request: ConnectRequest): Promise<void> {
    try {
      await this.store.accept(request);
      if (request.from) this.accepted.emit(request.from);
    } catch (error) {
      this.#snackBar.open(`Could not connect to ${this.nameOf(request)}: ${describeError(error)}`, 'Dismiss', { duration: 8000 });
    }
  }

  async #autoAccept(request: ConnectRequest): Promise<void> {
    let undone = false;
    const toast = this.#snackBar.open(`Connecting to ${this.nameOf(request)} (auto-accepted)`, 'Undo', { duration: 8000 });
    toast.onAction().subscribe(() => {
      undone = true;
      void this.#api.request('DELETE', `/sessions/${encodeURIComponent(request.fromPeerId)}`).catch(() => undefined);
    });
    try {
      await this.store.accept(request);
      if (undone) {
        // Undo pressed while the ladder ran: close the session it just opened.
        await this.#api.request('DELETE', `/sessions/${encodeURIComponent(request.fromPeerId)}`).catch(() => undefined);
      } else if (request.from) {
        this.accepted.emit(request.from);
      }
    } catch (error) {
      if (!undone) this.#snackBar.open(`Auto-accept of ${this.nameOf(request)} failed: ${describeError(error)}`, 'Dismiss', { duration: 8000 });
    }
  }
}
