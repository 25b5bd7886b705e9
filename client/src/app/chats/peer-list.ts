import { ChangeDetectionStrategy, Component, inject, input, output, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { describeError } from '../api/api-error';
import { RendezvousStore } from './rendezvous-store';
import { SessionsStore } from './sessions-store';
import { PEER_MODE_HELP, type RoomPeer } from './room-peer';

/** The room's peers, friends first, with verified / mode badges and Connect. */
@Component({
  selector: 'kith-peer-list',
  imports: [MatCardModule, MatButtonModule, MatSlideToggleModule, MatTooltipModule],
  template: `
    <mat-card appearance="outlined" class="card">
      <div class="head">
        <h2 id="peers-title">People in the room</h2>
        <mat-slide-toggle [checked]="store.form().showStrangers" (change)="setStrangers($event.checked)" data-testid="show-strangers">
          Show unpaired peers
        </mat-slide-toggle>
      </div>
      <ul class="peers" aria-labelledby="peers-title">
        @for (peer of store.visiblePeers(); track peer.peerId) {
          <li class="peer" [class.selected]="peer.peer !== null && peer.peer === selected()" [attr.data-peer-id]="peer.peerId">
            <button type="button" class="who" (click)="pick(peer)" [disabled]="!peer.peer || !peer.friend" [attr.aria-label]="'Open chat with ' + peer.label">
              <span class="material-symbols-outlined" aria-hidden="true">{{ peer.friend ? 'person' : 'person_outline' }}</span>
              <span class="name">{{ peer.label }}</span>
            </button>
            <span class="badges">
              @if (peer.friend) {
                <span class="badge ok" matTooltip="Friend: found through a sealed announcement only you can open">sealed<span class="visually-hidden">: a friend, found through a sealed announcement</span></span>
                @if (peer.verified) { <span class="badge ok" matTooltip="Verified: you compared the safety code">verified<span class="visually-hidden">: you compared the safety code</span></span> }
              } @else {
                <span class="badge warn" matTooltip="Not a friend: seen through a plaintext announcement anyone in the room can read">plaintext<span class="visually-hidden">: not a friend, seen through a plaintext announcement</span></span>
              }
              @if (peer.mode) { <span class="badge" [matTooltip]="peerModeHelp[peer.mode]">{{ peer.mode }}<span class="visually-hidden"> mode. {{ peerModeHelp[peer.mode] }}</span></span> }
              @if (peer.peer && sessions.livePeers().has(peer.peer)) {
                <span class="badge ok" data-testid="live" matTooltip="Live: an encrypted direct session is open">live<span class="visually-hidden">: an encrypted direct session is open</span></span>
              }
            </span>
            @if (peer.peer && sessions.livePeers().has(peer.peer)) {
              <button mat-button type="button" (click)="disconnect(peer)" [attr.aria-label]="'Disconnect from ' + peer.label" data-testid="disconnect">
                Disconnect
              </button>
            } @else if (!peer.friend) {
              <!-- Kith opens sessions with friends only: a stranger is paired with first. -->
              <span class="muted" data-testid="pair-first" matTooltip="Kith connects to friends only: pair with them first">Pair to connect</span>
            } @else {
              <button mat-stroked-button type="button" (click)="connect(peer)" [disabled]="connecting() === peer.peerId"
                      [attr.aria-label]="'Connect to ' + peer.label" data-testid="connect">
                {{ connecting() === peer.peerId ? 'Connecting…' : 'Connect' }}
              </button>
            }
          </li>
        } @empty {
          <li class="muted empty">
            @if (!store.joined()) { Join a room to see who is there. }
            @else if (store.form().showStrangers) { Nobody else is in this room yet. }
            @else { No friends in this room yet. Turn on “Show unpaired peers” to see everyone. }
          </li>
        }
      </ul>
      @if (store.lastTrace(); as trace) {
        <details class="trace" data-testid="connect-trace">
          <summary>Last connection: {{ trace.label }} — {{ trace.ok ? 'connected' : 'failed' }}</summary>
          <ol>
            @for (s of trace.stages; track $index) {
              <li><span class="badge" [class.ok]="s.outcome === 'ok'" [class.warn]="s.outcome === 'failed'">{{ s.outcome }}</span>
                {{ s.stage }} @if (s.ms !== null) { <span class="muted">{{ s.ms }} ms</span> }
                @if (s.detail) { <div class="muted mono">{{ s.detail }}</div> }</li>
            }
          </ol>
        </details>
      }
    </mat-card>
  `,
  styles: `
    .card { padding: 12px 16px; }
    .head { display: flex; align-items: center; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
    h2 { font: var(--mat-sys-title-medium); margin: 0; }
    .peers { list-style: none; margin: 8px 0 0; padding: 0; }
    .peer { display: flex; align-items: center; gap: 8px; padding: 6px 0; border-top: 1px solid var(--mat-sys-outline-variant); flex-wrap: wrap; }
    .peer.selected .name { font-weight: 600; color: var(--mat-sys-primary); }
    .who { display: flex; align-items: center; gap: 6px; flex: 1 1 100%; min-width: 0; background: none; border: 0; color: inherit;
           font: inherit; cursor: pointer; text-align: left; padding: 4px; border-radius: 8px; }
    .who:disabled { cursor: default; }
    .who:not(:disabled):hover { background: var(--mat-sys-surface-container-high); }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .badges { display: flex; gap: 4px; flex-wrap: wrap; flex: 1; padding-left: 34px; }
    .empty { padding: 8px 0; }
    .trace { margin-top: 8px; font: var(--mat-sys-body-small); }
    .trace summary { cursor: pointer; padding: 4px 0; }
    .trace ol { margin: 4px 0; padding-left: 18px; }
    .trace li { margin: 4px 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PeerList {
  protected readonly store = inject(RendezvousStore);
  protected readonly sessions = inject(SessionsStore);
  readonly #snackBar = inject(MatSnackBar);
  readonly selected = input<string | null>(null);
  readonly selectPeer = output<string>();
  protected readonly connecting = signal<string | null>(null);
  protected readonly peerModeHelp = PEER_MODE_HELP;

  protected setStrangers(show: boolean): void {
    this.store.update({ showStrangers: show });
    void this.store.poll();
  }

  protected pick(peer: RoomPeer): void {
    if (peer.peer) this.selectPeer.emit(peer.peer);
  }

  protected async disconnect(peer: RoomPeer): Promise<void> {
    try {
      await this.sessions.disconnect(peer.peer ?? peer.peerId);
    } catch (error) {
      this.#snackBar.open(`Could not disconnect: ${describeError(error)}`, undefined, { duration: 5000 });
    }
  }

  protected async connect(peer: RoomPeer): Promise<void> {
    this.connecting.set(peer.peerId);
    this.#snackBar.open(`Asking ${peer.label} to connect…`, undefined, { duration: 3000 });
    try {
      await this.store.connect(peer);
      this.#snackBar.open(`Connected to ${peer.label}`, undefined, { duration: 3000 });
      if (peer.peer) this.selectPeer.emit(peer.peer);
    } catch (error) {
      this.#snackBar.open(`Could not connect to ${peer.label}: ${describeError(error)}`, 'Dismiss', { duration: 8000 });
    } finally {
      this.connecting.set(null);
    }
  }
}
