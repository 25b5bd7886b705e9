import { ChangeDetectionStrategy, Component, ElementRef, computed, effect, inject, input, signal, untracked, type OnDestroy } from '@angular/core';
import type { SlotContext, UiHost } from '@kith/sdk';
import { FilesApi } from './files-api';

/**
 * Files dropped anywhere on the conversation are sent (slot `chat.conversation-extras`, context
 * `{ peer }`); while a file is dragged over it, a drop zone shows here. The files themselves are
 * entries of chat's timeline (timeline-file.ts), among the messages.
 */
@Component({
  selector: 'files-conversation-files',
  template: `@if (dragging()) { <div class="drop" data-testid="files-drop-zone">Drop to send</div> }`,
  styles: `
    :host { display: block; }
    .drop { border: 2px dashed var(--mat-sys-primary); border-radius: 12px; padding: 16px; text-align: center; margin-bottom: 8px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConversationFiles implements OnDestroy {
  readonly host = input.required<UiHost>();
  readonly context = input<SlotContext | null>(null);
  private readonly api = computed(() => new FilesApi(this.host()));
  protected readonly dragging = signal(false);
  private readonly element = inject(ElementRef<HTMLElement>);
  private dropTarget: HTMLElement | null = null;

  private readonly peer = computed(() => (this.context() as { peer?: string } | null)?.peer ?? null);

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
      this.host();
      this.peer();
      // The conversation is the slot's container: dropping a file anywhere on it sends the file.
      untracked(() => this.listen(this.element.nativeElement.parentElement?.closest('[data-testid="chat-panel"]') ?? this.element.nativeElement.parentElement));
    });
  }

  ngOnDestroy(): void {
    this.listen(null);
  }

  private listen(target: HTMLElement | null): void {
    if (this.dropTarget === target) return;
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
}
