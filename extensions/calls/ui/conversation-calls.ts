import { ChangeDetectionStrategy, Component, computed, effect, input, signal, untracked, type OnDestroy } from '@angular/core';
import type { Disposable, SlotContext, UiHost } from '@kith/sdk';
import { friendKey } from './friend-key';
import { historyLine, type HistoryEntry } from './call-format';

interface CallRecord extends HistoryEntry { readonly stream_id: string }

const SHOWN = 5;

/**
 * The calls of one conversation (chat's `chat.conversation-extras` slot, context `{ peer }`):
 * "Missed call · 14:02", "Call · 3:12", newest last like the messages; refreshed when a call's record is stored.
 */
@Component({
  selector: 'calls-conversation-calls',
  template: `
    @if (entries().length) {
      <ul class="calls" data-testid="call-history" aria-label="Calls">
        @for (entry of entries(); track entry.stream_id) {
          <li class="entry" [class.missed]="entry.line.missed" data-testid="call-entry" [attr.data-reason]="entry.reason">
            <span class="material-symbols-outlined" aria-hidden="true">{{ entry.line.icon }}</span>
            <span>{{ entry.line.label }}</span>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    .calls { list-style: none; margin: 0 0 8px; padding: 0; display: flex; flex-direction: column; align-items: center; gap: 4px; }
    .entry { display: inline-flex; align-items: center; gap: 6px; padding: 2px 12px; border-radius: 12px;
             background: var(--mat-sys-surface-container); color: var(--mat-sys-on-surface-variant); font: var(--mat-sys-body-small); }
    .entry .material-symbols-outlined { font-size: 16px; }
    .entry.missed { color: var(--mat-sys-error); }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConversationCalls implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly context = input<SlotContext | null>(null);
  private readonly records = signal<readonly CallRecord[]>([]);
  private subscription: Disposable | undefined;
  private loads = 0;

  protected readonly peer = computed(() => {
    return friendKey((this.context() as { peer?: unknown } | null)?.peer);
  });
  protected readonly entries = computed(() => this.records().slice(0, SHOWN).reverse().map((r) => ({ ...r, line: historyLine(r) })));

  constructor() {
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => {
        this.subscription?.dispose();
        this.records.set([]);
        if (!peer) return;
        this.subscription = host.on('history', (e) => {
          if ((e as { peer?: string }).peer === peer) void this.load(host, peer);
        });
        void this.load(host, peer);
      });
    });
  }

  ngOnDestroy(): void {
    this.subscription?.dispose();
  }

  private async load(host: UiHost, peer: string): Promise<void> {
    const load = ++this.loads;
    const answer = await host.request<{ calls: CallRecord[] }>('GET', `/calls/history?peer=${peer}&limit=${SHOWN}`).catch(() => undefined);
    if (answer && load === this.loads && this.peer() === peer) this.records.set(answer.calls);
  }
}
