import { ChangeDetectionStrategy, Component, computed, effect, input, signal, untracked, type OnDestroy } from '@angular/core';
import type { Disposable, UiHost } from '@kith/sdk';
import type { Quality } from '../src/sessions/quality';

type Shown = Omit<Quality, 'level'> & { readonly level: Quality['level'] | 'none' };

const NONE: Shown = { level: 'none', bars: 0, reason: 'no live session' };

/**
 * The open conversation's connection quality in its header (slot `home.header`): signal-strength
 * bars for the friend's live session, so a user blames the network, not the app. Fed by the
 * `diagnostics:quality` event when the bars change; the first value comes from the quality route.
 */
@Component({
  selector: 'diagnostics-quality-badge',
  template: `
    @if (peer() !== 'self' && peer()) {
      <span class="bars" role="img" data-testid="header-quality" [attr.data-level]="shown().level" [attr.data-bars]="shown().bars"
            [attr.aria-label]="label()" [title]="label()">
        @for (bar of [1, 2, 3, 4]; track bar) { <i [class.on]="bar <= shown().bars"></i> }
      </span>
    }
  `,
  styles: `
    .bars { display: inline-flex; gap: 2px; align-items: flex-end; height: 16px; padding: 4px; }
    .bars i { display: block; width: 4px; background: var(--mat-sys-outline-variant); border-radius: 1px; }
    .bars i:nth-child(1) { height: 4px; } .bars i:nth-child(2) { height: 8px; } .bars i:nth-child(3) { height: 12px; } .bars i:nth-child(4) { height: 16px; }
    .bars i.on { background: #2e7d32; }
    .bars[data-level='fair'] i.on { background: #f9a825; }
    .bars[data-level='poor'] i.on, .bars[data-level='stalled'] i.on { background: #c62828; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class QualityBadge implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly peer = input<string | null>(null);
  protected readonly shown = signal<Shown>(NONE);
  protected readonly label = computed(() => {
    const q = this.shown();
    return q.level === 'none' ? 'Connection: no live session' : `Connection ${q.level}: ${q.reason}`;
  });
  #subscription: Disposable | undefined;

  constructor() {
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.#watch(host, peer));
    });
  }

  ngOnDestroy(): void {
    this.#subscription?.dispose();
  }

  #watch(host: UiHost, peer: string | null): void {
    this.#subscription?.dispose();
    this.shown.set(NONE);
    if (!peer || peer === 'self') return;
    let heard = false;
    this.#subscription = host.on('quality', (payload) => {
      const update = payload as Shown & { peer?: string };
      if (update?.peer !== peer) return;
      heard = true;
      this.shown.set({ level: update.level, bars: update.bars, reason: update.reason });
    });
    void host.request<{ friends: Record<string, Quality> }>('GET', '/diagnostics/quality').then((answer) => {
      const quality = answer.friends[peer];
      if (!heard && this.peer() === peer && quality) this.shown.set(quality);
    }).catch(() => undefined);
  }
}
