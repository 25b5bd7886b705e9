import { ChangeDetectionStrategy, Component, computed, effect, input, signal, untracked, type OnDestroy } from '@angular/core';
import type { Disposable, SlotContext, UiHost } from '@kith/sdk';
import { FilesApi, type TransferJson } from './files-api';
import { TransferRow } from './transfer-row';

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * One file in chat's timeline (slot `chat.timeline`, context `{ peer, entry }`: `entry` is the
 * transfer id from `GET /files/timeline`): the transfer's row with progress, controls and the
 * media inline, and the time it was sent, kept current by the extension's `transfer` events.
 */
@Component({
  selector: 'files-timeline-file',
  imports: [TransferRow],
  template: `
    @if (transfer(); as t) {
      <files-transfer-row [transfer]="t" [api]="api()" />
      <time class="when" [attr.datetime]="iso(t.created_at)">{{ time(t.created_at) }}</time>
    } @else if (missing()) {
      <p class="gone">This file is no longer here.</p>
    }
  `,
  styles: `
    :host { display: flex; flex-direction: column; }
    .when { align-self: flex-end; font-size: 11px; color: var(--mat-sys-on-surface-variant); padding: 2px 8px 0; }
    .gone { margin: 0; font-style: italic; color: var(--mat-sys-on-surface-variant); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TimelineFile implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly context = input<SlotContext | null>(null);
  protected readonly api = computed(() => new FilesApi(this.host()));
  protected readonly transfer = signal<TransferJson | null>(null);
  protected readonly missing = signal(false);
  private readonly id = computed(() => {
    const entry = (this.context() as { entry?: unknown } | null)?.entry;
    return typeof entry === 'string' ? entry : null;
  });
  private subscription: Disposable | undefined;

  constructor() {
    effect(() => {
      const host = this.host();
      const id = this.id();
      untracked(() => this.follow(host, id));
    });
  }

  ngOnDestroy(): void {
    this.subscription?.dispose();
  }

  protected time(ms: number): string {
    return TIME.format(ms);
  }

  protected iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  private follow(host: UiHost, id: string | null): void {
    this.subscription?.dispose();
    this.transfer.set(null);
    this.missing.set(false);
    if (!id) return;
    // Events first, so a change between the read and the subscription is not lost.
    this.subscription = host.on('transfer', (payload) => {
      const t = payload as TransferJson;
      if (t?.transfer_id === id) this.transfer.set(t);
    });
    host.request<TransferJson>('GET', `/files/${encodeURIComponent(id)}`).then(
      (t) => {
        // An event that came first is as new as this answer, or newer.
        if (this.id() === id && !this.transfer()) this.transfer.set(t);
      },
      () => this.id() === id && !this.transfer() && this.missing.set(true),
    );
  }
}
