import { ChangeDetectionStrategy, Component, inject, signal, type OnInit } from '@angular/core';
import { DatePipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { RendezvousStore } from './rendezvous-store';
import { MODE_HELP, MODE_NAME, PARKED_EXTENSION, PRESENCE_MODES, formatEndpoint, type PresenceMode } from './room-peer';

/** Rendezvous URL + room word + presence mode, join / leave, and this machine's public endpoints. */
@Component({
  selector: 'kith-rendezvous-card',
  imports: [MatCardModule, MatFormFieldModule, MatInputModule, MatButtonModule, MatButtonToggleModule, MatProgressBarModule, MatTooltipModule, DatePipe],
  template: `
    <mat-card appearance="outlined" class="card">
      <h2 id="room-title">Rendezvous room</h2>
      <p class="muted help">Friends who join the same room word on the same server can find each other and connect directly.</p>
      <form (submit)="$event.preventDefault(); joinOrLeave()" aria-labelledby="room-title">
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Rendezvous URL</mat-label>
          <input matInput name="url" type="url" inputmode="url" autocomplete="url" placeholder="https://rendezvous.example.org"
                 [value]="store.form().url" (input)="store.update({ url: $any($event.target).value })"
                 [disabled]="!!store.joined()" data-testid="rendezvous-url" />
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Room word</mat-label>
          <input matInput name="word" autocomplete="off" [value]="store.form().word"
                 (input)="store.update({ word: $any($event.target).value })" [disabled]="!!store.joined()" data-testid="room-word" />
        </mat-form-field>
        <div class="mode-row">
          <span id="mode-label" class="mode-title">When a friend asks to connect</span>
          <mat-button-toggle-group [value]="store.form().mode" (change)="setMode($event.value)" aria-labelledby="mode-label"
                                   aria-describedby="mode-help" hideSingleSelectionIndicator>
            @for (m of modes; track m) {
              <mat-button-toggle [value]="m" [attr.data-testid]="'mode-' + m" [matTooltip]="modeHelp[m]">{{ modeName[m] }}</mat-button-toggle>
            }
          </mat-button-toggle-group>
          <p id="mode-help" class="mode-help" data-testid="mode-help">{{ modeHelp[store.form().mode] }}</p>
        </div>
        <div class="actions">
          @if (store.joined()) {
            <span class="badge ok" role="status" data-testid="joined">Joined
              @if (store.lastPollAt(); as t) { · {{ t | date: 'HH:mm:ss' }} }</span>
            <button mat-stroked-button type="submit" [disabled]="store.busy()" data-testid="leave">Leave</button>
          } @else {
            <button mat-flat-button type="submit" [disabled]="store.busy()" data-testid="join">Join</button>
          }
        </div>
        @if (store.busy()) { <mat-progress-bar mode="indeterminate" aria-label="Joining" /> }
        @if (store.error(); as e) { <p class="error-text" role="alert">{{ e }}</p> }
      </form>
      <div class="discovery">
        <div class="disc-head">
          <h3>This machine</h3>
          <button mat-button type="button" (click)="discover()" [disabled]="discovering()">Discover</button>
        </div>
        @if (endpoints(); as e) {
          <dl>
            <dt>IPv4</dt><dd class="mono" data-testid="ipv4">{{ e.ipv4 ?? 'none found' }}</dd>
            <dt>IPv6</dt><dd class="mono" data-testid="ipv6">{{ e.ipv6 ?? 'none found' }}</dd>
          </dl>
        } @else if (discoverError(); as err) {
          <p class="muted">{{ err }}</p>
        } @else {
          <p class="muted">Public addresses not discovered yet.</p>
        }
      </div>
    </mat-card>
  `,
  styles: `
    .card { padding: 12px 16px; }
    h2 { font: var(--mat-sys-title-medium); margin: 0 0 8px; }
    h3 { font: var(--mat-sys-title-small); margin: 0; }
    form { display: flex; flex-direction: column; gap: 10px; }
    mat-form-field { width: 100%; }
    .mode-row { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; }
    .mode-title { font: var(--mat-sys-label-large); }
    .mode-help { margin: 0; font: var(--mat-sys-body-small); color: var(--mat-sys-on-surface-variant); }
    .help { margin: 0 0 8px; }
    .actions { display: flex; justify-content: flex-end; align-items: center; gap: 8px; flex-wrap: wrap; }
    .discovery { margin-top: 12px; border-top: 1px solid var(--mat-sys-outline-variant); padding-top: 8px; }
    .disc-head { display: flex; align-items: center; justify-content: space-between; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 4px 0; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RendezvousCard implements OnInit {
  protected readonly store = inject(RendezvousStore);
  readonly #api = inject(ApiClient);
  protected readonly modes = PRESENCE_MODES;
  protected readonly modeName = MODE_NAME;
  protected readonly modeHelp = MODE_HELP;
  protected readonly endpoints = signal<{ ipv4: string | null; ipv6: string | null } | null>(null);
  protected readonly discovering = signal(false);
  protected readonly discoverError = signal<string | null>(null);

  ngOnInit(): void {
    if (!this.store.joined()) this.store.loadForm();
    // (A persona switch leaves the room and re-creates this page, so the form is the new persona's.)
    void this.store.refreshFriends();
    void this.discover();
  }

  protected setMode(mode: PresenceMode): void {
    this.store.update({ mode });
    // The mode travels with every poll; publish it at once.
    void this.store.poll();
    void this.#followParkedSwitch(mode === 'parked');
  }

  /**
   * Parked is more than a badge when the Parked mode extension is on: its own switch makes friends
   * reach this device in scheduled windows. Choosing the mode here flips that switch too; when the
   * extension is off (404/409) the mode stays a badge, as its help text says.
   */
  async #followParkedSwitch(on: boolean): Promise<void> {
    try {
      await this.#api.request('PUT', `/extensions/${PARKED_EXTENSION}/settings/parked.on`, { value: on });
    } catch {
      // Not installed or turned off: nothing more to do.
    }
  }

  protected joinOrLeave(): void {
    void (this.store.joined() ? this.store.leave() : this.store.join());
  }

  protected async discover(): Promise<void> {
    this.discovering.set(true);
    try {
      const raw = await this.#api.get<Record<string, unknown>>('/discovery');
      this.endpoints.set({ ipv4: formatEndpoint(raw['ipv4']), ipv6: formatEndpoint(raw['ipv6']) });
      this.discoverError.set(null);
    } catch (error) {
      this.discoverError.set(`Discovery failed: ${describeError(error)}`);
    } finally {
      this.discovering.set(false);
    }
  }
}
