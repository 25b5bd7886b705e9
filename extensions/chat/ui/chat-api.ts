import type { PeerKey, UiHost } from '@kith/sdk';

/** A message as the chat API returns it. */
export interface ChatMessageJson {
  readonly id: string;
  readonly cursor: number;
  readonly peer: string;
  readonly from_me: boolean;
  readonly body: string;
  readonly sent_at: number;
  readonly stored_at: number;
  readonly state: 'queued' | 'sent' | 'delivered' | 'read' | 'refused' | 'failed' | 'received';
  readonly read_at: number | null;
  readonly edited_at: number | null;
  readonly deleted_at?: number | null;
  readonly reply_to?: { readonly id: string; readonly from_me: boolean; readonly body: string | null } | null;
  readonly reactions?: readonly { readonly from_me: boolean; readonly emoji: string }[];
}

export interface MessagePage {
  readonly messages: ChatMessageJson[];
  readonly next_cursor: number | null;
}

export interface ConversationJson {
  readonly peer: string;
  readonly label: string | null;
  readonly unread: number;
  readonly last: ChatMessageJson;
  readonly online: boolean;
}

export interface FriendJson {
  readonly id: number;
  readonly label: string;
  readonly master_pubkey: string;
  readonly verified: boolean;
  readonly auto_connect: boolean;
}

export type ChatPeer = PeerKey | 'self';

/** The chat extension's HTTP API, as the page calls it through the UiHost. */
export class ChatApi {
  constructor(private readonly host: UiHost) {}

  private base(peer: ChatPeer): string {
    return peer === 'self' ? '/self/messages' : `/friends/${peer}/messages`;
  }

  page(peer: ChatPeer, before?: number | null, limit = 100): Promise<MessagePage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set('before', String(before));
    return this.host.request<MessagePage>('GET', `${this.base(peer)}?${query}`);
  }

  search(peer: ChatPeer, text: string): Promise<MessagePage> {
    return this.host.request<MessagePage>('GET', `${this.base(peer)}?${new URLSearchParams({ q: text, limit: '100' })}`);
  }

  /** Idempotent by `id`: posting the same id again answers the stored message. */
  send(peer: ChatPeer, body: string, id: string, replyTo: string | null = null): Promise<ChatMessageJson> {
    const path = peer === 'self' ? '/self/messages' : `/sessions/${peer}/messages`;
    return this.host.request<ChatMessageJson>('POST', path, { body, id, ...(replyTo ? { reply_to: replyTo } : {}) });
  }

  retry(id: string): Promise<ChatMessageJson> {
    return this.host.request<ChatMessageJson>('POST', `/chat_messages/${id}/retry`);
  }

  react(id: string, emoji: string): Promise<ChatMessageJson> {
    return this.host.request<ChatMessageJson>('POST', `/chat_messages/${id}/reaction`, { emoji });
  }

  markRead(peer: ChatPeer, id: string): Promise<ChatMessageJson> {
    return this.host.request<ChatMessageJson>('POST', `${this.base(peer)}/${id}/read`);
  }

  edit(id: string, body: string): Promise<ChatMessageJson> {
    return this.host.request<ChatMessageJson>('POST', `/chat_messages/${id}`, { body });
  }

  remove(id: string, mutual: boolean): Promise<void> {
    return this.host.request<void>('DELETE', `/chat_messages/${id}${mutual ? '?mutual=1' : ''}`);
  }

  clear(peer: ChatPeer, mutual: boolean): Promise<{ removed: number }> {
    return this.host.request('DELETE', `${this.base(peer)}${mutual ? '?mutual=1' : ''}`);
  }

  conversations(): Promise<ConversationJson[]> {
    return this.host.request<ConversationJson[]>('GET', '/conversations');
  }

  /** The pairing extension's friends list (empty when pairing is turned off). */
  friends(): Promise<FriendJson[]> {
    return this.host.request<FriendJson[]>('GET', '/friends').catch(() => []);
  }
}
