import type { ChatMessageJson } from './chat-api';

/** How far along delivery a state is: a copy further along is newer. */
const PROGRESS: Readonly<Record<ChatMessageJson['state'], number>> = {
  queued: 0, received: 0, sent: 1, refused: 2, failed: 2, delivered: 3, read: 4,
};

/**
 * The copy of a message to show when another arrives. Events reach the page in order, but the
 * answer of a send or retry can come after the events it caused (a "sent" answer after the
 * "refused" or "delivered" event), so a copy behind on delivery never replaces one ahead of it.
 * A Retry sets the state back itself (see {@link retrying}).
 */
export function mergeMessage(current: ChatMessageJson | undefined, incoming: ChatMessageJson): ChatMessageJson {
  if (!current) return incoming;
  return PROGRESS[incoming.state] >= PROGRESS[current.state] ? incoming : { ...incoming, state: current.state, read_at: current.read_at };
}

/** The message as a Retry leaves it: queued again, whatever copy arrives next. */
export function retrying(message: ChatMessageJson): ChatMessageJson {
  return { ...message, state: 'queued' };
}

/** True for my messages that did not reach the friend and wait for a Retry. */
export function needsRetry(message: ChatMessageJson): boolean {
  return message.from_me && (message.state === 'refused' || message.state === 'failed');
}
