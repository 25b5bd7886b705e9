import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import type { UiHost } from '@kith/sdk';
import { countdown, reachNow, type ReachState } from './reach-flow';

interface WindowJson { readonly start_ms: number; readonly end_ms: number; readonly opens_in_ms: number }
interface FriendRow {
  readonly master_pubkey: string;
  readonly label: string;
  readonly current_window: WindowJson | null;
  readonly next_window: WindowJson;
  readonly listening: boolean;
  readonly session: boolean;
}
/** Sessions open and close without telling this view: it re-reads the status this often. */
const REFRESH_EVERY_MS = 5_000;

interface StatusJson { readonly parked: boolean; readonly now_ms: number; readonly friends: readonly FriendRow[] }

/**
 * Parked mode on the Connect page (slot `home.connect`): what Parked means, the switch, and per
 * friend "Reach now" with a live countdown to the friend's next window, a retry when it opens and
 * a normal rendezvous request as the fallback.
 */
@Component({
  selector: 'parked-view',
  imports: [MatButtonModule, MatSlideToggleModule],
  template: `
    <section class="parked" data-testid="parked">
      <h3>Parked mode</h3>
      <p class="muted">
        Parked: Kith stops polling the rendezvous. For each friend it listens only in short windows that
        you and that friend work out from a key only you two share, so a friend reaches you directly in
        your next window and nobody else can tell when or where. Use it when idle costs matter (a laptop
        on battery). Manual asks before each connection; Auto accepts friends at once but polls all the time.
      </p>
      <mat-slide-toggle [checked]="parked()" (change)="setParked($event.checked)" data-testid="parked-toggle">Parked</mat-slide-toggle>
      @for (friend of friends(); track friend.master_pubkey) {
        <div class="friend">
          <span class="label">{{ friend.label }}</span>
          @if (friend.session) {
            <span class="muted">connected</span>
          } @else if (friend.current_window) {
            <span class="muted">window open now</span>
          } @else {
            <span class="muted" data-testid="countdown">next window in {{ opensIn(friend) }}</span>
          }
          <button mat-stroked-button type="button" [disabled]="busy(friend)" (click)="reach(friend)">Reach now</button>
          @if (states()[friend.master_pubkey]; as state) { <span class="state">{{ describe(state) }}</span> }
        </div>
      } @empty {
        <p class="muted">No friends yet.</p>
      }
      @if (error(); as message) { <p class="error" role="alert">{{ message }}</p> }
    </section>
  `,
  styles: `
    .parked { display: flex; flex-direction: column; gap: 8px; padding: 8px 16px; }
    h3 { margin: 0; font-size: 14px; color: var(--mat-sys-on-surface-variant); }
    .friend { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
    .muted { color: var(--mat-sys-on-surface-variant); font-size: 13px; }
    .error { color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ParkedView {
  readonly host = input.required<UiHost>();
  protected readonly parked = signal(false);
  protected readonly friends = signal<readonly FriendRow[]>([]);
  protected readonly states = signal<Record<string, ReachState>>({});
  protected readonly error = signal<string | null>(null);
  /** Local ms the status was read at: the countdown runs from there. */
  private readonly readAt = signal(Date.now());
  /** The host's (skew-corrected) clock when the status was read: open windows end by it. */
  private serverNowAtRead = 0;
  private readonly tick = signal(Date.now());
  private readonly api = computed(() => this.host());

  constructor() {
    effect(() => {
      this.host();
      untracked(() => void this.load());
    });
    const timer = setInterval(() => {
      this.tick.set(Date.now());
      if (!this.loading && this.stale()) void this.load();
    }, 1000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  /**
   * True when what the rows show has run out: a countdown reached zero, an open window closed, or
   * the last read is old enough that a session may have opened or closed meanwhile.
   */
  private stale(): boolean {
    const elapsed = Date.now() - this.readAt();
    if (elapsed >= REFRESH_EVERY_MS) return true;
    return this.friends().some((f) => f.current_window
      ? f.current_window.end_ms - this.serverNowAtRead - elapsed <= 0
      : f.next_window.opens_in_ms - elapsed <= 0);
  }

  protected opensIn(friend: FriendRow): string {
    return countdown(friend.next_window.opens_in_ms - (this.tick() - this.readAt()));
  }

  protected busy(friend: FriendRow): boolean {
    const step = this.states()[friend.master_pubkey]?.step;
    return step === 'reaching' || step === 'waiting' || step === 'falling-back';
  }

  protected describe(state: ReachState): string {
    switch (state.step) {
      case 'waiting': return `waiting for the window (${countdown(state.opensAt - this.tick())})`;
      case 'reaching': return 'reaching…';
      case 'falling-back': return 'no direct path in the window; asking through the rendezvous…';
      case 'connected': return `connected (${state.path})`;
      case 'failed': return state.reason;
      default: return '';
    }
  }

  protected async setParked(on: boolean): Promise<void> {
    try {
      await this.api().request('PUT', '/extensions/parked/settings/parked.on', { value: on });
      await this.load();
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  protected async reach(friend: FriendRow): Promise<void> {
    const show = (state: ReachState) => this.states.update((all) => ({ ...all, [friend.master_pubkey]: state }));
    await reachNow(
      { reach: (fallback) => this.api().request('POST', '/connect/parked', { master_pubkey: friend.master_pubkey, wait_ms: 5_000, fallback }) },
      { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      show,
    );
    await this.load();
  }

  private loading = false;

  private async load(): Promise<void> {
    this.loading = true;
    try {
      const status = await this.api().request<StatusJson>('GET', '/connect/parked/status');
      this.parked.set(status.parked);
      this.friends.set(status.friends);
      this.serverNowAtRead = status.now_ms;
      this.readAt.set(Date.now());
      this.error.set(null);
    } catch (error) {
      this.error.set((error as Error).message);
      this.readAt.set(Date.now()); // try again after the refresh period, not every second
    } finally {
      this.loading = false;
    }
  }
}
