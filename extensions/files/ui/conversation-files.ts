import { ChangeDetectionStrategy, Component, ElementRef, computed, effect, inject, input, signal, untracked, type OnDestroy } from '@angular/core';
import type { Disposable, SlotContext, UiHost } from '@kith/sdk';
import { FilesApi, type TransferJson } from './files-api';
import { TransferRow } from './transfer-row';

const SHOWN = 20;

/**
 * The files of one conversation (slot `chat.conversation-extras`, context `{ peer }`): a row per
 * transfer with progress and the media inline. Files dropped anywhere on the conversation are sent.
 */
@Component({
  selector: 'files-conversation-files',
  imports: [TransferRow],
  template: `
    @if (dragging()) { <div class="drop" data-testid="files-drop-zone">Drop to send</div> }
    <div class="list" data-testid="conversation-files">
      @for (t of shown(); track t.transfer_id) {
        <files-transfer-row [transfer]="t" [api]="api()" (removed)="forget($event)" />
      }
    </div>
  `,
  styles: `
    /* Bounded, so many files never push the composer out of the conversation panel. */
    :host { display: block; max-height: 40vh; overflow-y: auto; }
    :host(:focus-visible) { outline: 2px solid var(--mat-sys-primary); outline-offset: 2px; border-radius: 12px; }
    .list { display: flex; flex-direction: column; gap: 8px; }
    .drop { border: 2px dashed var(--mat-sys-primary); border-radius: 12px; padding: 16px; text-align: center; margin-bottom: 8px; }
  `,
  // The host element is the scrolling box: reachable by keyboard (arrow keys scroll it) and named, once it holds files.
  host: {
    role: 'region',
    'aria-label': 'Files in this conversation',
    '[attr.tabindex]': 'shown().length ? 0 : null',
  },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConversationFiles implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly context = input<SlotContext | null>(null);
  protected readonly api = computed(() => new FilesApi(this.host()));
  protected readonly dragging = signal(false);
  private readonly transfers = signal<readonly TransferJson[]>([]);
  private readonly element = inject(ElementRef<HTMLElement>);
  private subscription: Disposable | undefined;
  private dropTarget: HTMLElement | null = null;

  protected readonly peer = computed(() => (this.context() as { peer?: string } | null)?.peer ?? null);
  protected readonly shown = computed(() => {
    const peer = this.peer();
    return this.transfers()
      .filter((t) => (peer === 'self' ? t.direction === 'self' : t.peer === peer))
      .filter((t) => t.state !== 'cancelled' || Date.now() - t.created_at < 60_000)
      .slice(0, SHOWN)
      .reverse();
  });

  private readonly onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    this.dragging.set(true);
  };
  private readonly onDragLeave = () => this.dragging.set(false);
  private readonly onDrop = (event: DragEvent) => {
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    this.dragging.set(false);
    const peer = this.peer();
    if (!peer) return;
    for (const file of files) this.api().send(peer, file, () => undefined).catch((e: Error) => this.host().notify(`${file.name}: ${e.message}`));
  };

  constructor() {
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.open(host, peer));
    });
  }

  ngOnDestroy(): void {
    this.subscription?.dispose();
    this.listen(null);
  }

  private open(host: UiHost, peer: string | null): void {
    this.subscription?.dispose();
    this.subscription = host.on('transfer', (payload) => this.merge(payload as TransferJson));
    const load = peer === 'self' ? this.api().media({ peer: 'self' }).then((m) => m.items) : this.api().transfers().then((t) => t.transfers);
    load.then((list) => this.transfers.set(list), () => undefined);
    // The conversation is the slot's container: dropping a file anywhere on it sends the file.
    this.listen(this.element.nativeElement.parentElement?.closest('[data-testid="chat-panel"]') ?? this.element.nativeElement.parentElement);
  }

  private listen(target: HTMLElement | null): void {
    if (this.dropTarget) {
      this.dropTarget.removeEventListener('dragover', this.onDragOver);
      this.dropTarget.removeEventListener('dragleave', this.onDragLeave);
      this.dropTarget.removeEventListener('drop', this.onDrop);
    }
    this.dropTarget = target;
    target?.addEventListener('dragover', this.onDragOver);
    target?.addEventListener('dragleave', this.onDragLeave);
    target?.addEventListener('drop', this.onDrop);
  }

  protected forget(id: string): void {
    this.transfers.update((list) => list.filter((t) => t.transfer_id !== id));
  }

  private merge(t: TransferJson): void {
    this.transfers.update((list) => {
      const at = list.findIndex((x) => x.transfer_id === t.transfer_id);
      if (at < 0) return [t, ...list];
      const next = list.slice();
      next[at] = t;
      return next;
    });
  }
}
