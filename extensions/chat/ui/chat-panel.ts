import { ScrollingModule, type CdkVirtualScrollViewport } from '@angular/cdk/scrolling';
import {
  ChangeDetectionStrategy, Component, DestroyRef, ElementRef, computed, effect, inject, input, signal, untracked, viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { Disposable, PeerKey, UiHost } from '@kith/sdk';
import { ChatApi, type ChatMessageJson, type ChatPeer } from './chat-api';
import { deliveryIcon } from './delivery-icon';
import { COMPOSER_ACTIONS_SLOT, CONVERSATION_EXTRAS_SLOT, OpenSlotRenderer } from './open-slots';

/** Fixed row height of the virtual list (long bodies are clamped; the full text is in the tooltip). */
export const MESSAGE_ROW_PX = 76;
const TYPING_TIMEOUT_MS = 6000;
const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', month: 'short', day: 'numeric' });
const TYPING_IDLE_MS = 3000;

interface LiveEvent {
  readonly peer?: string;
  readonly message?: ChatMessageJson;
  readonly id?: string;
  readonly typing?: boolean;
}

/**
 * One conversation: a virtual-scrolled message list (smooth at 10k+ messages, older pages load
 * as you scroll up), delivery ticks, the friend's typing indicator, edit and delete, search, and
 * the composer. Slot `home.main`; `peer` is the open conversation.
 */
@Component({
  selector: 'chat-panel',
  imports: [ScrollingModule, MatButtonModule, MatMenuModule, MatProgressBarModule, MatTooltipModule],
  templateUrl: './chat-panel.html',
  styleUrl: './chat-panel.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatPanel {
  readonly host = input.required<UiHost>();
  readonly peer = input<PeerKey | 'self' | null>(null);

  protected readonly rowPx = MESSAGE_ROW_PX;
  protected readonly messages = signal<ChatMessageJson[]>([]);
  protected readonly olderCursor = signal<number | null>(null);
  protected readonly loading = signal(false);
  protected readonly friendTyping = signal(false);
  protected readonly draft = signal('');
  protected readonly editing = signal<ChatMessageJson | null>(null);
  protected readonly searchOpen = signal(false);
  protected readonly searchText = signal('');
  protected readonly searchResults = signal<ChatMessageJson[] | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly isSelf = computed(() => this.peer() === 'self');
  protected readonly tick = deliveryIcon;

  private readonly viewport = viewChild<CdkVirtualScrollViewport>('viewport');
  private readonly composerActions = viewChild<ElementRef<HTMLElement>>('composerActions');
  private readonly conversationExtras = viewChild<ElementRef<HTMLElement>>('conversationExtras');
  private readonly composerSlot = new OpenSlotRenderer(COMPOSER_ACTIONS_SLOT);
  private readonly extrasSlot = new OpenSlotRenderer(CONVERSATION_EXTRAS_SLOT);
  private readonly api = computed(() => new ChatApi(this.host()));
  private subscriptions: Disposable[] = [];
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private typingSent = false;
  /** False until the first page has been scrolled to the bottom. */
  private positioned = false;

  constructor() {
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.open(host, peer));
    });
    // Other extensions' views in chat's open slots follow the open conversation.
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      const actions = this.composerActions()?.nativeElement;
      const extras = this.conversationExtras()?.nativeElement;
      untracked(() => {
        this.composerSlot.show(host, actions, peer);
        this.extrasSlot.show(host, extras, peer);
      });
    });
    inject(DestroyRef).onDestroy(() => {
      this.close();
      this.composerSlot.dispose();
      this.extrasSlot.dispose();
    });
  }

  private close(): void {
    this.stopTyping();
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    clearTimeout(this.typingTimer);
  }

  private open(host: UiHost, peer: ChatPeer | null): void {
    this.close();
    this.messages.set([]);
    this.olderCursor.set(null);
    this.editing.set(null);
    this.draft.set('');
    this.searchResults.set(null);
    this.friendTyping.set(false);
    this.positioned = false;
    if (!peer) return;
    const mine = (event: LiveEvent) => event?.peer === peer;
    this.subscriptions.push(
      host.on('message', (payload) => {
        const event = payload as LiveEvent;
        if (!mine(event) || !event.message) return;
        this.upsert(event.message);
        if (!event.message.from_me) {
          this.friendTyping.set(false);
          this.markRead(event.message);
        }
      }),
      host.on('message-updated', (payload) => {
        const event = payload as LiveEvent;
        if (mine(event) && event.message) this.upsert(event.message);
      }),
      host.on('message-deleted', (payload) => {
        const event = payload as LiveEvent;
        if (mine(event)) this.messages.update((list) => list.filter((m) => m.id !== event.id));
      }),
      host.on('cleared', (payload) => {
        if (mine(payload as LiveEvent)) this.messages.set([]);
      }),
      host.on('typing', (payload) => {
        const event = payload as LiveEvent;
        if (!mine(event)) return;
        this.friendTyping.set(event.typing === true);
        clearTimeout(this.typingTimer);
        if (event.typing) this.typingTimer = setTimeout(() => this.friendTyping.set(false), TYPING_TIMEOUT_MS);
      }),
    );
    void this.loadOlder(true);
  }

  /** Insert or replace by id, keeping cursor order. */
  private upsert(message: ChatMessageJson): void {
    this.messages.update((list) => {
      const index = list.findIndex((m) => m.id === message.id);
      if (index >= 0) return list.map((m, i) => (i === index ? message : m));
      const next = [...list, message];
      if (list.length > 0 && message.cursor < list[list.length - 1]!.cursor) next.sort((a, b) => a.cursor - b.cursor);
      return next;
    });
    if (message.from_me || this.nearBottom) this.scrollToEnd();
  }

  /** True while the newest messages are in view: new arrivals then keep the view at the bottom. */
  private get nearBottom(): boolean {
    const viewport = this.viewport();
    return !viewport || viewport.measureScrollOffset('bottom') < 2 * MESSAGE_ROW_PX;
  }

  protected async loadOlder(first = false): Promise<void> {
    const peer = this.peer();
    if (!peer || this.loading() || (!first && this.olderCursor() === null)) return;
    this.loading.set(true);
    try {
      const page = await this.api().page(peer, first ? null : this.olderCursor());
      if (this.peer() !== peer) return;
      const known = new Set(this.messages().map((m) => m.id));
      const older = page.messages.filter((m) => !known.has(m.id));
      // Keep the message the user is looking at in place: shift the offset by the rows added above.
      const offset = this.viewport()?.measureScrollOffset('top') ?? 0;
      this.messages.update((list) => [...older, ...list]);
      this.olderCursor.set(page.next_cursor);
      if (first) {
        this.positioned = false;
        this.scrollToEnd(true);
        const lastIn = [...page.messages].reverse().find((m) => !m.from_me && m.read_at === null);
        if (lastIn) this.markRead(lastIn);
      } else {
        const viewport = this.viewport();
        if (viewport) {
          viewport.checkViewportSize();
          viewport.scrollToOffset(offset + older.length * MESSAGE_ROW_PX);
        }
      }
    } catch (error) {
      this.error.set((error as Error).message);
    } finally {
      this.loading.set(false);
    }
  }

  protected onScrolled(index: number): void {
    // Only once the first page sits at the bottom: the list starts at index 0 before that.
    if (this.positioned && index < 5 && this.olderCursor() !== null) void this.loadOlder();
  }

  /** Show the newest message; `instant` for the first page (a smooth scroll would pass index 0). */
  private scrollToEnd(instant = false): void {
    setTimeout(() => {
      const viewport = this.viewport();
      if (!viewport) return;
      viewport.checkViewportSize();
      viewport.scrollToIndex(this.messages().length - 1, instant ? 'auto' : 'smooth');
      if (instant) setTimeout(() => (this.positioned = true), 50);
    });
  }

  private markRead(message: ChatMessageJson): void {
    const peer = this.peer();
    if (!peer || message.from_me || message.read_at !== null || peer === 'self') return;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    this.api().markRead(peer, message.id).catch(() => undefined);
  }

  protected onDraft(value: string): void {
    this.draft.set(value);
    const peer = this.peer();
    if (!peer || peer === 'self' || this.editing()) return;
    if (!this.typingSent && value.length > 0) {
      this.typingSent = true;
      this.host().emit('typing', { peer, typing: true });
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.idleTimer);
    const peer = this.peer();
    if (this.typingSent && peer && peer !== 'self') this.host().emit('typing', { peer, typing: false });
    this.typingSent = false;
  }

  protected onComposerKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void this.submit();
    } else if (event.key === 'Escape' && this.editing()) {
      this.cancelEdit();
    }
  }

  protected async submit(): Promise<void> {
    const peer = this.peer();
    const body = this.draft().trim();
    if (!peer || body.length === 0) return;
    this.error.set(null);
    const editing = this.editing();
    try {
      if (editing) {
        this.upsert(await this.api().edit(editing.id, body));
        this.editing.set(null);
      } else {
        this.stopTyping();
        this.upsert(await this.api().send(peer, body));
      }
      this.draft.set('');
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  protected startEdit(message: ChatMessageJson): void {
    this.editing.set(message);
    this.draft.set(message.body);
  }

  protected cancelEdit(): void {
    this.editing.set(null);
    this.draft.set('');
  }

  protected async remove(message: ChatMessageJson, mutual: boolean): Promise<void> {
    try {
      await this.api().remove(message.id, mutual);
      this.messages.update((list) => list.filter((m) => m.id !== message.id));
    } catch (error) {
      this.host().notify((error as Error).message);
    }
  }

  protected async clearChat(mutual: boolean): Promise<void> {
    const peer = this.peer();
    if (!peer) return;
    try {
      await this.api().clear(peer, mutual);
      this.messages.set([]);
      this.olderCursor.set(null);
    } catch (error) {
      this.host().notify((error as Error).message);
    }
  }

  protected toggleSearch(): void {
    this.searchOpen.update((open) => !open);
    this.searchResults.set(null);
    this.searchText.set('');
  }

  protected async runSearch(text: string): Promise<void> {
    this.searchText.set(text);
    const peer = this.peer();
    if (!peer || text.trim().length === 0) return this.searchResults.set(null);
    try {
      this.searchResults.set((await this.api().search(peer, text.trim())).messages);
    } catch (error) {
      this.error.set((error as Error).message);
    }
  }

  /** Jump to a search hit: in the loaded list, or load pages until it is. */
  protected async jumpTo(hit: ChatMessageJson): Promise<void> {
    for (let guard = 0; guard < 500; guard++) {
      const index = this.messages().findIndex((m) => m.id === hit.id);
      if (index >= 0) {
        this.searchOpen.set(false);
        this.searchResults.set(null);
        setTimeout(() => this.viewport()?.scrollToIndex(index, 'smooth'));
        return;
      }
      if (this.olderCursor() === null) return;
      await this.loadOlder();
    }
  }

  /** One formatter for every row (creating one per call costs more than the formatting). */
  protected time(ms: number): string {
    return TIME_FORMAT.format(ms);
  }

  protected trackId(_index: number, message: ChatMessageJson): string {
    return message.id;
  }
}
