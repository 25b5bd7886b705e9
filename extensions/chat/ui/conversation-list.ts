import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatListModule } from '@angular/material/list';
import type { Disposable, PeerKey, UiHost } from '@kith/sdk';
import { ChatApi, type ConversationJson, type FriendJson } from './chat-api';

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
 * first, plus notes to self. Selecting one opens it in the chats panel.
 */
@Component({
  selector: 'chat-conversation-list',
  imports: [MatListModule],
  template: `
    <h3 class="title">Conversations</h3>
    <mat-nav-list dense data-testid="conversation-list">
      @for (row of rows(); track row.peer) {
        <a mat-list-item [activated]="row.peer === peer()" (click)="open(row.peer)" [attr.data-peer]="row.peer">
          <span matListItemTitle>
            @if (row.online) { <span class="dot" aria-label="online"></span> }
            {{ row.label }}
            @if (row.unread > 0) { <span class="unread" [attr.aria-label]="row.unread + ' unread'">{{ row.unread }}</span> }
          </span>
          <span matListItemLine class="preview">{{ row.preview }}</span>
        </a>
      }
    </mat-nav-list>
  `,
  styles: `
    .title { margin: 8px 16px 0; font-size: 14px; opacity: .7; }
    .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #2e7d32; margin-right: 4px; }
    .unread { margin-left: 6px; padding: 0 6px; border-radius: 10px; font-size: 12px; background: var(--mat-sys-primary); color: var(--mat-sys-on-primary); }
    .preview { opacity: .7; }
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
        preview: c ? (c.last.from_me ? 'You: ' : '') + c.last.body : 'No messages yet',
        online: c?.online ?? false,
        lastCursor: c?.last.cursor ?? 0,
      };
    });
    const self = byPeer.get('self');
    rows.push({ peer: 'self', label: 'Notes to self', unread: 0, preview: self?.last.body ?? '', online: false, lastCursor: self?.last.cursor ?? 0 });
    return rows.sort((a, b) => b.lastCursor - a.lastCursor);
  });

  constructor() {
    effect(() => {
      const host = this.host();
      untracked(() => this.watch(host));
    });
    inject(DestroyRef).onDestroy(() => this.unwatch());
  }

  private unwatch(): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    clearTimeout(this.refreshTimer);
  }

  private watch(host: UiHost): void {
    this.unwatch();
    const refresh = () => this.scheduleRefresh(host);
    for (const name of ['message', 'message-updated', 'message-deleted', 'cleared', 'online']) {
      this.subscriptions.push(host.on(name, refresh));
    }
    void this.refresh(host);
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

  protected open(peer: string): void {
    this.host().navigate(`/chats?peer=${encodeURIComponent(peer)}`);
  }
}
