import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatListModule } from '@angular/material/list';
import type { Disposable, PeerKey, UiHost } from '@kith/sdk';
import { notifyNewMessage, pageInBackground, titleWithUnread } from './attention';
import { ChatApi, type ChatMessageJson, type ConversationJson, type FriendJson } from './chat-api';

interface Row {
  readonly peer: string;
  readonly label: string;
  readonly unread: number;
  readonly preview: string;
  readonly online: boolean;
  readonly lastCursor: number;
}

const REFRESH_DEBOUNCE_MS = 150;

/**
 * Conversations with unread counts (slot `home.sidebar`): every friend, newest conversation
 * first, plus notes to self. Each is a link (keyboard reachable) that opens it in the panel. It
 * follows the friend list (a friend paired a moment ago appears at once), puts the total unread
 * count in the tab title, and, while the page is in the background, shows a desktop notification
 * for each new message.
 */
@Component({
  selector: 'chat-conversation-list',
  imports: [MatListModule],
  template: `
    <h3 class="title" id="chat-conversations-title">Conversations</h3>
    <mat-nav-list dense data-testid="conversation-list" aria-labelledby="chat-conversations-title">
      @for (row of rows(); track row.peer) {
        <a mat-list-item [activated]="row.peer === peer()" [href]="link(row.peer)" (click)="open($event, row.peer)" [attr.data-peer]="row.peer"
           [attr.aria-current]="row.peer === peer() ? 'page' : null" [attr.aria-label]="accessibleName(row)">
          <span matListItemTitle>
            @if (row.online) { <span class="dot" aria-hidden="true"></span> }
            {{ row.label }}
            @if (row.unread > 0) { <span class="unread" data-testid="unread-count" aria-hidden="true">{{ row.unread }}</span> }
          </span>
          <span matListItemLine class="preview">{{ row.preview }}</span>
        </a>
      }
    </mat-nav-list>
  `,
  styles: `
    .title { margin: 8px 16px 0; font-size: 14px; color: var(--mat-sys-on-surface-variant); }
    .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--mat-sys-primary); margin-right: 4px; }
    .unread { margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 12px; background: var(--mat-sys-primary); color: var(--mat-sys-on-primary); }
    .preview { color: var(--mat-sys-on-surface-variant); }
    a:focus-visible { outline: 2px solid var(--mat-sys-primary); outline-offset: -2px; }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConversationList {
  readonly host = input.required<UiHost>();
  readonly peer = input<PeerKey | 'self' | null>(null);

  private readonly conversations = signal<ConversationJson[]>([]);
  private readonly friends = signal<FriendJson[]>([]);
  private subscriptions: Disposable[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  protected readonly rows = computed<Row[]>(() => {
    const byPeer = new Map(this.conversations().map((c) => [c.peer, c]));
    const rows: Row[] = this.friends().map((f) => {
      const c = byPeer.get(f.master_pubkey);
      return {
        peer: f.master_pubkey,
        label: f.label,
        unread: c?.unread ?? 0,
        preview: c ? preview(c.last) : 'No messages yet',
        online: c?.online ?? false,
        lastCursor: c?.last.cursor ?? 0,
      };
    });
    const self = byPeer.get('self');
    rows.push({ peer: 'self', label: 'Notes to self', unread: 0, preview: self ? preview(self.last) : '', online: false, lastCursor: self?.last.cursor ?? 0 });
    return rows.sort((a, b) => b.lastCursor - a.lastCursor);
  });
  private readonly totalUnread = computed(() => this.rows().reduce((sum, row) => sum + row.unread, 0));

  constructor() {
    effect(() => {
      const host = this.host();
      untracked(() => this.watch(host));
    });
    effect(() => {
      const unread = this.totalUnread();
      document.title = titleWithUnread(document.title, unread);
    });
    inject(DestroyRef).onDestroy(() => {
      this.unwatch();
      document.title = titleWithUnread(document.title, 0);
    });
  }

  private unwatch(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    clearTimeout(this.refreshTimer);
  }

  private watch(host: UiHost): void {
    this.unwatch();
    const refresh = () => this.scheduleRefresh(host);
    for (const name of ['message', 'message-updated', 'message-deleted', 'cleared', 'online', 'friends']) {
      this.subscriptions.push(host.on(name, refresh));
    }
    this.subscriptions.push(host.on('message', (payload) => this.maybeNotify(host, payload as { peer?: string; message?: ChatMessageJson })));
    void this.refresh(host);
  }

  /** A desktop notification for the friend's new message, only while the page is in the background. */
  private maybeNotify(host: UiHost, event: { peer?: string; message?: ChatMessageJson }): void {
    const message = event.message;
    if (!message || message.from_me || !event.peer || event.peer === 'self' || !pageInBackground()) return;
    const label = this.friends().find((f) => f.master_pubkey === event.peer)?.label ?? 'A friend';
    const peer = event.peer;
    notifyNewMessage(label, message.body, `chat-${peer}`, () => host.navigate(this.link(peer)));
  }

  private scheduleRefresh(host: UiHost): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(host), REFRESH_DEBOUNCE_MS);
  }

  private async refresh(host: UiHost): Promise<void> {
    const api = new ChatApi(host);
    try {
      const [conversations, friends] = await Promise.all([api.conversations(), api.friends()]);
      this.conversations.set(conversations);
      this.friends.set(friends);
    } catch {
      // Locked or chat turned off: keep what is shown.
    }
  }

  protected link(peer: string): string {
    return `/chats?peer=${encodeURIComponent(peer)}`;
  }

  protected accessibleName(row: Row): string {
    const parts = [row.label];
    if (row.online) parts.push('online');
    if (row.unread > 0) parts.push(`${row.unread} unread`);
    if (row.preview) parts.push(row.preview);
    return parts.join(', ');
  }

  /** Open in the shell's router (a plain click); other clicks (new tab) keep the link's default. */
  protected open(event: MouseEvent, peer: string): void {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    this.host().navigate(this.link(peer));
  }
}

function preview(last: ChatMessageJson): string {
  const text = last.deleted_at ? 'Message deleted' : last.body.replace(/\s+/g, ' ').slice(0, 80);
  return (last.from_me ? 'You: ' : '') + text;
}
