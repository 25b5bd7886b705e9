/** One stored chat message as the extension and its API see it. */
import type { PeerKey } from '@kith/sdk';

/** A friend's key, or `self` for notes to self. */
export type Conversation = PeerKey | 'self';

/**
 * Delivery state of a message I wrote: waiting in the bus queue, handed to a live session,
 * persisted by the friend, read by the friend, or refused by the friend's host (e.g. chat is
 * turned off there; it will not be retried). Messages I received are `received` or `read`.
 */
export type MessageState = 'queued' | 'sent' | 'delivered' | 'read' | 'refused' | 'received';

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
    edited_at: m.editedAt,
  };
}

export type MessageJson = ReturnType<typeof messageJson>;
