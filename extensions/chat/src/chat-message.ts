/** One stored chat message as the extension and its API see it. */
import type { PeerKey } from '@kith/sdk';

/** A friend's key, or `self` for notes to self. */
export type Conversation = PeerKey | 'self';

/**
 * Delivery state of a message I wrote: waiting in the bus queue, handed to a live session,
 * persisted by the friend, read by the friend, or refused by the friend's host (e.g. chat is
 * turned off there), or failed for good (e.g. the friend was removed); the last two wait for a
 * Retry. Messages I received are `received` or `read`.
 */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'read' | 'refused' | 'failed' | 'received';

/** The message a reply answers, as the reply shows it; `body` null when it is gone here. */
export interface Quote {
  readonly id: string;
  readonly fromMe: boolean;
  readonly body: string | null;
}

export interface ChatMessage {
  /** Local, increasing row number: the paging cursor. */
  readonly cursor: number;
  /** The author's id for the message, the same on both sides. */
  readonly id: string;
  readonly conversation: Conversation;
  readonly fromMe: boolean;
  readonly body: string;
  /** Author's clock, Unix ms. */
  readonly sentAt: number;
  /** Local clock when stored, Unix ms. */
  readonly storedAt: number;
  readonly state: MessageState;
  readonly readAt: number | null;
  readonly editedAt: number | null;
  /** When the author deleted it for both (the row stays as a marker, body empty). */
  readonly deletedAt: number | null;
  /** The message it answers, for a reply. */
  readonly replyTo: Quote | null;
  /** At most one reaction per side. */
  readonly reactions: readonly { readonly fromMe: boolean; readonly emoji: string }[];
}

/** The API shape (snake_case, like the reference API). */
export function messageJson(m: ChatMessage) {
  return {
    id: m.id,
    cursor: m.cursor,
    peer: m.conversation,
    from_me: m.fromMe,
    body: m.body,
    sent_at: m.sentAt,
    stored_at: m.storedAt,
    state: m.state,
    read_at: m.readAt,
    // The reference's name for the same moment (ms since the epoch), for its clients.
    read_at_ms: m.readAt,
    edited_at: m.editedAt,
    deleted_at: m.deletedAt,
    reply_to: m.replyTo && { id: m.replyTo.id, from_me: m.replyTo.fromMe, body: m.replyTo.body },
    reactions: m.reactions.map((r) => ({ from_me: r.fromMe, emoji: r.emoji })),
  };
}

export type MessageJson = ReturnType<typeof messageJson>;
