import {
  ChangeDetectionStrategy, ChangeDetectorRef, Component, DestroyRef, ElementRef, Injector, afterEveryRender, afterNextRender, computed, effect, inject, input, signal, untracked, viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { Disposable, PeerKey, SlotEntry, UiHost } from '@kith/sdk';
import { askNotificationPermission, pageInBackground } from './attention';
import { ChatApi, type ChatMessageJson, type ChatPeer } from './chat-api';
import { deliveryIcon } from './delivery-icon';
import { formatFullTime, messageView, type MessageView } from './message-view';
import { mergeMessage, needsRetry, retrying } from './message-merge';
import { messageSize, tooLongSentence } from './message-size';
import { MessageFocus } from './message-focus';
import { MessageVirtualizer } from './message-virtualizer';
import { COMPOSER_ACTIONS_SLOT, CONVERSATION_EXTRAS_SLOT, OpenSlotRenderer, TIMELINE_SLOT } from './open-slots';
import { Outbox, newMessageId, type OutgoingMessage } from './outbox';
import { buildTimeline, placedAt, type TimelineRow } from './timeline';
import { TimelineEntry } from './timeline-entry';

const TYPING_TIMEOUT_MS = 6000;
const TYPING_IDLE_MS = 3000;
/** How long "Delete for both" can be undone before it is sent to the friend. */
export const UNDO_DELETE_MS = 5000;
/** Reactions offered in a message's menu. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const;
/** Optimistic messages sort after every stored one until the host gives them their cursor. */
const PENDING_CURSOR = Number.MAX_SAFE_INTEGER / 2;

/** What Send sends of a draft: without leading blank lines and trailing white space; '' if only blanks. */
function bodyToSend(draft: string): string {
  return draft.trim().length > 0 ? draft.replace(/^\s*\n|\s+$/g, '') : '';
}

interface LiveEvent {
  readonly peer?: string;
  readonly message?: ChatMessageJson;
  readonly id?: string;
  readonly typing?: boolean;
}

/**
 * One conversation (slot `home.main`; `peer` is the open conversation): a virtual list whose rows
 * have their own height (full text, line breaks, links), day separators, grouped messages, a
 * "new messages" marker and a jump to the latest; delivery ticks with Retry; replies, reactions,
 * edit and delete (undoable for both); search; the composer, whose sends go through a queue so
 * nothing typed while one is in flight is lost; and chat's open slots for other extensions.
 */
@Component({
  selector: 'chat-panel',
  imports: [MatButtonModule, MatMenuModule, MatProgressBarModule, MatTooltipModule, TimelineEntry],
  templateUrl: './chat-panel.html',
  styleUrl: './chat-panel.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChatPanel {
  readonly host = input.required<UiHost>();
  readonly peer = input<PeerKey | 'self' | null>(null);

  protected readonly messages = signal<ChatMessageJson[]>([]);
  protected readonly olderCursor = signal<number | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly friendTyping = signal(false);
  protected readonly draft = signal('');
  protected readonly draftSize = computed(() => messageSize(bodyToSend(this.draft())));
  /** Over the host's limit: Send is off and the draft stays as it is, for the user to shorten. */
  protected readonly draftTooLong = computed(() => this.draftSize().charactersOver > 0);
  protected readonly tooLongSentence = tooLongSentence;
  protected readonly editing = signal<ChatMessageJson | null>(null);
  protected readonly replyingTo = signal<ChatMessageJson | null>(null);
  protected readonly searchOpen = signal(false);
  protected readonly searchText = signal('');
  protected readonly searchResults = signal<ChatMessageJson[] | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly confirmingClear = signal(false);
  /** Ids hidden while their "Delete for both" can still be undone. */
  protected readonly hidden = signal<ReadonlySet<string>>(new Set());
  /** The first message of the friend's the user has not seen: the "New messages" marker sits above it. */
  protected readonly unreadFrom = signal<string | null>(null);
  /** The friend's messages that arrived below the view while the user read older ones. */
  protected readonly newBelow = signal(0);
  /**
   * The view follows the latest message: true at the end, false once the user scrolls up (wheel,
   * touch, keys, scrollbar). Rows being measured or added move the offset too, so only the user's
   * own input stops the following.
   */
  protected readonly following = signal(true);
  /** Until then, being at the end does not resume following: a jump to a message is under way. */
  private jumpingUntil = 0;
  /** Rows were added, replaced or moved since the last measurement. */
  private measureDue = true;
  /** What the live region says: the newest message from the friend. */
  protected readonly announcement = signal('');
  protected readonly highlighted = signal<string | null>(null);
  /** The open friend's label, for quotes and reactions; null until known (then "your friend"). */
  protected readonly friendLabel = signal<string | null>(null);
  protected readonly isSelf = computed(() => this.peer() === 'self');
  protected readonly tick = deliveryIcon;
  protected readonly needsRetry = needsRetry;
  protected readonly reactions = QUICK_REACTIONS;

  /** Other extensions' entries in this conversation (slot `chat.timeline`), oldest first. */
  protected readonly entries = signal<readonly SlotEntry[]>([]);
  protected readonly rows = computed<TimelineRow[]>(() => {
    const hidden = this.hidden();
    const shown = hidden.size === 0 ? this.messages() : this.messages().filter((m) => !hidden.has(m.id));
    // While older messages are still to load, older entries wait for them (else they would pile up on top).
    const since = this.olderCursor() !== null && shown.length > 0 ? placedAt(shown[0]!) : -Infinity;
    return buildTimeline(shown, this.unreadFrom(), Date.now(), this.entries(), since);
  });
  protected readonly items = signal<{ index: number; key: string; start: number }[]>([]);
  protected readonly totalSize = signal(0);

  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  /** Keyboard walk through the messages: the list is one Tab stop, not one per message. */
  protected readonly focus = new MessageFocus({
    scroller: () => this.scroller()?.nativeElement,
    rows: () => this.rows(),
    scrollToIndex: (index) => {
      this.following.set(false);
      this.virtualizer?.scrollToIndex(index);
    },
    loadOlder: async () => {
      const before = this.messages().length;
      if (this.olderCursor() === null) return false;
      await this.loadOlder();
      return this.messages().length > before;
    },
  });
  private readonly composer = viewChild<ElementRef<HTMLTextAreaElement>>('composer');
  private readonly composerActions = viewChild<ElementRef<HTMLElement>>('composerActions');
  private readonly conversationExtras = viewChild<ElementRef<HTMLElement>>('conversationExtras');
  private readonly composerSlot = new OpenSlotRenderer(COMPOSER_ACTIONS_SLOT);
  private readonly extrasSlot = new OpenSlotRenderer(CONVERSATION_EXTRAS_SLOT);
  private entriesWatch: Disposable | undefined;
  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly injector = inject(Injector);
  private readonly changeDetector = inject(ChangeDetectorRef);
  private readonly api = computed(() => new ChatApi(this.host()));
  private readonly outbox = new Outbox({
    send: (m) => this.api().send(m.peer, m.body, m.id, m.replyTo),
    sent: (m, stored) => this.confirmed(m, stored),
    failed: (m, error) => this.sendFailed(m, error),
  });
  private virtualizer: MessageVirtualizer | undefined;
  /** Counts conversations opened: a page loaded for an earlier one is dropped. */
  private opened = 0;
  /** The page of older messages being loaded, and for which opening. */
  private olderLoad: { readonly opened: number; readonly done: Promise<void> } | null = null;
  private subscriptions: Disposable[] = [];
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly deleteTimers = new Map<string, { timer: ReturnType<typeof setTimeout>; commit: () => void }>();
  private typingSent = false;
  private pendingSeq = 0;
  private sentOne = false;
  /** Reply or Edit was chosen in a message's menu: the composer takes focus once the menu has closed. */
  private composerFocusAfterMenu = false;
  private readonly onVisibility = () => {
    if (!pageInBackground()) this.markLatestRead();
  };
  private readonly onResize = () => this.fitHeight();

  constructor() {
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.open(host, peer));
    });
    // The virtual list follows the rows: keys and estimates are read again on every change.
    effect(() => {
      const count = this.rows().length;
      untracked(() => {
        this.measureDue = true;
        this.virtualizer?.setCount(count);
        // New rows need their items now: the virtualizer only reports changes it saw itself.
        this.listChanged();
      });
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
    effect(() => {
      const host = this.host();
      const peer = this.peer();
      untracked(() => this.watchEntries(host, peer));
    });
    afterEveryRender(() => this.afterRender());
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('resize', this.onResize);
    inject(DestroyRef).onDestroy(() => {
      this.close();
      this.composerSlot.dispose();
      this.extrasSlot.dispose();
      this.entriesWatch?.dispose();
      this.virtualizer?.dispose();
      document.removeEventListener('visibilitychange', this.onVisibility);
      window.removeEventListener('resize', this.onResize);
    });
  }

  /**
   * Focus moved into the list. When it moved to another row, the Tab order follows now rather than
   * at the next render: a Tab pressed at once on a busy page would otherwise reach the controls of
   * the row walked from.
   */
  protected onListFocusIn(event: FocusEvent): void {
    // In a microtask: never within a render (a focus moved by one), and still before the next key.
    if (this.focus.onFocusIn(event)) queueMicrotask(() => this.changeDetector.detectChanges());
  }

  /** Create the virtualizer once the scroller exists, then measure the rows just drawn. */
  private afterRender(): void {
    const scroller = this.scroller()?.nativeElement;
    if (scroller && this.virtualizer && this.virtualizer.core.scrollElement !== scroller) {
      this.virtualizer.dispose();
      this.virtualizer = undefined;
    }
    if (scroller && !this.virtualizer) {
      this.virtualizer = new MessageVirtualizer(scroller, (i) => this.rows()[i]?.key ?? String(i), (i) => this.estimate(i), () => this.listChanged());
      this.virtualizer.setCount(this.rows().length);
      this.listenForUserScroll(scroller);
      this.listChanged();
      this.fitHeight();
    }
    if (scroller && this.virtualizer && this.measureDue) {
      this.measureDue = false;
      this.virtualizer.measure(scroller.querySelectorAll<HTMLElement>('.vrow'));
      if (this.following() && this.loaded() && !this.virtualizer.atEnd()) this.virtualizer.scrollToEnd();
    }
  }

  /** The user scrolling up (by any means) stops following the latest message. */
  private listenForUserScroll(scroller: HTMLElement): void {
    const stop = () => {
      if (this.loaded()) this.following.set(false);
    };
    scroller.addEventListener('wheel', (event) => event.deltaY < 0 && stop(), { passive: true });
    scroller.addEventListener('touchmove', stop, { passive: true });
    scroller.addEventListener('keydown', (event) => ['ArrowUp', 'PageUp', 'Home'].includes(event.key) && stop());
    // A press on the list itself (not a row) is the scrollbar.
    scroller.addEventListener('pointerdown', (event) => event.target === scroller && stop());
  }

  /** The list fills the window below the panel's top edge (whatever the shell puts above it). */
  private fitHeight(): void {
    const top = this.element.getBoundingClientRect().top + window.scrollY;
    this.element.style.setProperty('--chat-top', `${Math.max(0, Math.round(top))}px`);
  }

  private listChanged(): void {
    const v = this.virtualizer;
    if (!v) return;
    const items = v.items();
    this.measureDue = true;
    this.items.set(items.map((i) => ({ index: i.index, key: String(i.key), start: i.start })));
    this.totalSize.set(v.totalSize());
    if (v.atEnd() && Date.now() > this.jumpingUntil) this.following.set(true);
    if (this.following() && this.newBelow() > 0) this.newBelow.set(0);
    // Near the top of what is loaded: fetch the page before it.
    if (this.loaded() && items.length > 0 && items[0]!.index < 3 && this.olderCursor() !== null) void this.loadOlder();
  }

  /** Other extensions' entries for the open conversation, kept current by the shell. */
  private watchEntries(host: UiHost, peer: ChatPeer | null): void {
    this.entriesWatch?.dispose();
    this.entriesWatch = undefined;
    this.entries.set([]);
    if (!peer) return;
    try {
      this.entriesWatch = host.watchSlotEntries(TIMELINE_SLOT, { peer }, (entries) => {
        if (this.peer() === peer) this.entries.set(entries);
      });
    } catch {
      // A shell without slots of entries (or chat's manifest not loaded yet): messages only.
    }
  }

  private estimate(index: number): number {
    const row = this.rows()[index];
    if (row?.kind === 'entry') return 72;
    if (!row || row.kind !== 'message') return 36;
    const body = row.message.body;
    const lines = body.split('\n').length + Math.floor(body.length / 60);
    return (row.groupedWithPrevious ? 40 : 52) + 20 * lines + (row.message.reply_to ? 40 : 0) + (row.message.reactions?.length ? 28 : 0);
  }

  private close(): void {
    this.stopTyping();
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    clearTimeout(this.typingTimer);
    // A deletion still undoable is what the user asked for: send it now.
    for (const { commit } of [...this.deleteTimers.values()]) commit();
  }

  private loadFriendLabel(peer: PeerKey): void {
    void this.api().friends().then((friends) => {
      if (this.peer() !== peer) return;
      this.friendLabel.set(friends.find((f) => f.master_pubkey === peer)?.label || null);
    });
  }

  private open(host: UiHost, peer: ChatPeer | null): void {
    this.close();
    this.opened++;
    this.loading.set(false);
    this.messages.set([]);
    this.olderCursor.set(null);
    this.loaded.set(false);
    this.editing.set(null);
    this.replyingTo.set(null);
    this.draft.set('');
    this.searchResults.set(null);
    this.friendTyping.set(false);
    this.confirmingClear.set(false);
    this.unreadFrom.set(null);
    this.newBelow.set(0);
    this.following.set(true);
    this.error.set(null);
    this.friendLabel.set(null);
    this.focus.active.set(null);
    if (!peer) return;
    if (peer !== 'self') this.loadFriendLabel(peer);
    const mine = (event: LiveEvent) => event?.peer === peer;
    this.subscriptions.push(
      host.on('message', (payload) => {
        const event = payload as LiveEvent;
        if (!mine(event) || !event.message) return;
        const incoming = !event.message.from_me && !this.messages().some((m) => m.id === event.message!.id);
        this.upsert(event.message);
        if (incoming) this.arrived(event.message);
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

  /** A new message from the friend: announce it, mark it read if the user can see it, else count it. */
  private arrived(message: ChatMessageJson): void {
    this.friendTyping.set(false);
    this.announcement.set(`New message: ${message.body.slice(0, 200)}`);
    const seen = !pageInBackground() && this.following();
    if (seen) {
      this.markRead(message);
      return;
    }
    if (this.unreadFrom() === null) this.unreadFrom.set(message.id);
    if (!this.following()) this.newBelow.update((n) => n + 1);
  }

  /** Insert or merge by id, keeping cursor order. */
  private upsert(message: ChatMessageJson): void {
    this.messages.update((list) => {
      const index = list.findIndex((m) => m.id === message.id);
      if (index >= 0) {
        const merged = mergeMessage(list[index], message);
        const next = list.map((m, i) => (i === index ? merged : m));
        return merged.cursor !== list[index]!.cursor ? next.sort((a, b) => a.cursor - b.cursor) : next;
      }
      const next = [...list, message];
      if (list.length > 0 && message.cursor < list[list.length - 1]!.cursor) next.sort((a, b) => a.cursor - b.cursor);
      return next;
    });
  }

  /**
   * Load the page before the first loaded message (`first`: the latest page of a conversation just
   * opened). While one is loading for this conversation, its promise: a caller that waits on it
   * (the keyboard walk at the top) sees the older messages once they are here.
   */
  protected loadOlder(first = false): Promise<void> {
    const peer = this.peer();
    if (this.olderLoad && this.olderLoad.opened === this.opened) return this.olderLoad.done;
    if (!peer || (!first && this.olderCursor() === null)) return Promise.resolve();
    const load = { opened: this.opened, done: this.fetchOlder(peer, first, this.opened) };
    this.olderLoad = load;
    void load.done.finally(() => {
      if (this.olderLoad === load) this.olderLoad = null;
    });
    return load.done;
  }

  private async fetchOlder(peer: ChatPeer, first: boolean, opened: number): Promise<void> {
    this.loading.set(true);
    try {
      const page = await this.api().page(peer, first ? null : this.olderCursor());
      // The conversation was opened again (or another one) meanwhile: this page is not its.
      if (this.peer() !== peer || opened !== this.opened) return;
      const known = new Set(this.messages().map((m) => m.id));
      const older = page.messages.filter((m) => !known.has(m.id));
      this.messages.update((list) => [...older, ...list]);
      this.olderCursor.set(page.next_cursor);
      if (first) {
        const firstUnread = page.messages.find((m) => !m.from_me && m.read_at === null);
        if (firstUnread) this.unreadFrom.set(firstUnread.id);
        setTimeout(() => {
          this.virtualizer?.scrollToEnd();
          this.loaded.set(true);
        });
        this.markLatestRead();
      }
    } catch (error) {
      if (opened === this.opened) this.error.set((error as Error).message);
    } finally {
      if (opened === this.opened) this.loading.set(false);
    }
  }

  private markLatestRead(): void {
    const lastIn = [...this.messages()].reverse().find((m) => !m.from_me && m.read_at === null);
    if (lastIn) this.markRead(lastIn);
  }

  private markRead(message: ChatMessageJson): void {
    const peer = this.peer();
    if (!peer || message.from_me || message.read_at !== null || peer === 'self') return;
    if (pageInBackground()) return;
    this.api().markRead(peer, message.id).catch(() => undefined);
  }

  protected jumpToLatest(): void {
    this.newBelow.set(0);
    this.following.set(true);
    this.virtualizer?.scrollToEnd(true);
    this.markLatestRead();
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
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === 'Escape' && (this.editing() || this.replyingTo())) {
      this.cancelEdit();
    }
  }

  /**
   * Hand what is in the composer to the send queue and empty the composer at once, before any
   * request: whatever is typed next belongs to the next message.
   */
  protected submit(): void {
    const peer = this.peer();
    const body = bodyToSend(this.draft());
    if (!peer || body.length === 0 || this.draftTooLong()) return;
    this.error.set(null);
    this.draft.set('');
    const composer = this.composer()?.nativeElement;
    if (composer) composer.value = '';
    const editing = this.editing();
    if (editing) {
      this.editing.set(null);
      this.api().edit(editing.id, body).then(
        (m) => this.upsert(m),
        (error: Error) => {
          this.error.set(error.message);
          // The edited text is given back to finish or drop, unless something else was started meanwhile.
          if (this.editing() || this.draft() || this.peer() !== peer) return;
          this.editing.set(editing);
          this.draft.set(body);
          if (composer) composer.value = body;
        },
      );
      return;
    }
    this.stopTyping();
    const replyTo = this.replyingTo();
    this.replyingTo.set(null);
    const outgoing: OutgoingMessage = { id: newMessageId(), peer, body, replyTo: replyTo?.id ?? null };
    const now = Date.now();
    this.upsert({
      id: outgoing.id, cursor: PENDING_CURSOR + this.pendingSeq++, peer, from_me: true, body, sent_at: now, stored_at: now,
      state: 'queued', read_at: null, edited_at: null, deleted_at: null, reactions: [],
      reply_to: replyTo ? { id: replyTo.id, from_me: replyTo.from_me, body: replyTo.body } : null,
    });
    this.following.set(true);
    this.virtualizer?.scrollToEnd();
    this.outbox.enqueue(outgoing);
  }

  private confirmed(_message: OutgoingMessage, stored: ChatMessageJson): void {
    this.upsert(stored);
    if (!this.sentOne) {
      this.sentOne = true;
      // The user is chatting now: a fair moment to ask whether they want desktop notifications.
      askNotificationPermission();
    }
  }

  private sendFailed(message: OutgoingMessage, error: Error): void {
    this.messages.update((list) => list.map((m) => (m.id === message.id ? { ...m, state: 'failed' } : m)));
    this.error.set(`Not sent: ${error.message}`);
  }

  /** Send a refused or failed message again: through the host, or the queue if it never got there. */
  protected async retry(message: ChatMessageJson): Promise<void> {
    const peer = this.peer();
    if (!peer) return;
    this.messages.update((list) => list.map((m) => (m.id === message.id ? retrying(m) : m)));
    if (message.cursor >= PENDING_CURSOR) {
      this.outbox.enqueue({ id: message.id, peer, body: message.body, replyTo: message.reply_to?.id ?? null });
      return;
    }
    try {
      this.upsert(await this.api().retry(message.id));
    } catch (error) {
      this.messages.update((list) => list.map((m) => (m.id === message.id ? { ...m, state: 'failed' } : m)));
      this.error.set((error as Error).message);
    }
  }

  protected startReply(message: ChatMessageJson): void {
    this.editing.set(null);
    this.replyingTo.set(message);
    this.focusComposerFromMenu();
  }

  protected startEdit(message: ChatMessageJson): void {
    this.replyingTo.set(null);
    this.editing.set(message);
    this.draft.set(message.body);
    this.focusComposerFromMenu();
  }

  /**
   * The menu gives focus back to its "…" button as it closes, after the item's click: focus the
   * composer now and again once the menu has closed (see {@link messageMenuClosed}), so what the
   * user types next goes into it. The other items keep the menu's focus restoration.
   */
  private focusComposerFromMenu(): void {
    this.composerFocusAfterMenu = true;
    this.composer()?.nativeElement.focus();
  }

  /** A menu closed without its trigger (its row scrolled away) leaves no focus pending for the next. */
  protected messageMenuOpened(): void {
    this.composerFocusAfterMenu = false;
  }

  protected messageMenuClosed(id: string): void {
    if (this.composerFocusAfterMenu) {
      this.composerFocusAfterMenu = false;
      this.composer()?.nativeElement.focus();
      return;
    }
    // Closed within a frame of opening (Enter then Escape on a busy page), the menu still moves focus
    // to its first item after the next render, into the panel being removed: focus would fall to the
    // page. The "…" button takes it back.
    afterNextRender(() => {
      const active = document.activeElement;
      if (active !== document.body && !active?.closest('.mat-mdc-menu-panel')) return;
      // Its row gone meanwhile (scrolled out, deleted): the list takes focus, where it is.
      const button = this.element.querySelector<HTMLElement>(`.row[data-id="${CSS.escape(id)}"] [data-testid="message-menu"]`);
      if (button) button.focus();
      else this.scroller()?.nativeElement.focus({ preventScroll: true });
    }, { injector: this.injector });
  }

  protected cancelEdit(): void {
    if (this.editing()) this.draft.set('');
    this.editing.set(null);
    this.replyingTo.set(null);
  }

  protected async react(message: ChatMessageJson, emoji: string): Promise<void> {
    const mineNow = message.reactions?.find((r) => r.from_me)?.emoji;
    try {
      this.upsert(await this.api().react(message.id, mineNow === emoji ? '' : emoji));
    } catch (error) {
      this.host().notify((error as Error).message);
    }
  }

  protected async remove(message: ChatMessageJson, mutual: boolean): Promise<void> {
    if (mutual) return this.removeForBothLater(message);
    try {
      await this.api().remove(message.id, false);
      this.messages.update((list) => list.filter((m) => m.id !== message.id));
    } catch (error) {
      this.host().notify((error as Error).message);
    }
  }

  /** Hide the message now and delete it for both after {@link UNDO_DELETE_MS}, unless undone. */
  private removeForBothLater(message: ChatMessageJson): void {
    const show = (visible: boolean) =>
      this.hidden.update((set) => {
        const next = new Set(set);
        if (visible) next.delete(message.id);
        else next.add(message.id);
        return next;
      });
    show(false);
    const commit = () => {
      const entry = this.deleteTimers.get(message.id);
      if (!entry) return;
      clearTimeout(entry.timer);
      this.deleteTimers.delete(message.id);
      this.api()
        .remove(message.id, true)
        .then(() => this.messages.update((list) => list.filter((m) => m.id !== message.id)))
        .catch((error: Error) => this.host().notify(error.message))
        .finally(() => show(true));
    };
    this.deleteTimers.set(message.id, { timer: setTimeout(commit, UNDO_DELETE_MS), commit });
    this.host().notify('Message deleted for both', {
      label: 'Undo',
      run: () => {
        const entry = this.deleteTimers.get(message.id);
        if (!entry) return;
        clearTimeout(entry.timer);
        this.deleteTimers.delete(message.id);
        show(true);
      },
    });
  }

  protected askClear(mutual: boolean): void {
    if (mutual) this.confirmingClear.set(true);
    else void this.clearChat(false);
  }

  protected async clearChat(mutual: boolean): Promise<void> {
    const peer = this.peer();
    this.confirmingClear.set(false);
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

  /** Jump to a message (a search hit, a quoted one): in the loaded list, or load pages until it is. */
  protected async jumpTo(id: string): Promise<void> {
    for (let guard = 0; guard < 500; guard++) {
      const index = this.rows().findIndex((r) => r.kind === 'message' && r.message.id === id);
      if (index >= 0) {
        this.searchOpen.set(false);
        this.searchResults.set(null);
        this.highlighted.set(id);
        this.following.set(false);
        this.jumpingUntil = Date.now() + 1000;
        // Closing the search resizes the list, and a list at its end stays pinned to the end on
        // resize: scroll once that has happened, and again once the rows there are measured.
        for (const delay of [60, 300]) {
          setTimeout(() => {
            const at = this.rows().findIndex((r) => r.kind === 'message' && r.message.id === id);
            this.following.set(false);
            if (at >= 0) this.virtualizer?.scrollToIndex(at);
          }, delay);
        }
        setTimeout(() => this.highlighted.set(null), 2500);
        return;
      }
      if (this.olderCursor() === null) return;
      await this.loadOlder();
    }
  }

  protected view(message: ChatMessageJson): MessageView {
    return messageView(message);
  }

  protected searchTime(ms: number): string {
    return formatFullTime(ms);
  }

  protected rowAt(index: number): TimelineRow | undefined {
    return this.rows()[index];
  }
}
