import type { ChatMessageJson } from './chat-api';

/** One row of the conversation: a day separator, the "new messages" marker, or a message. */
export type TimelineRow =
  | { readonly kind: 'day'; readonly key: string; readonly label: string }
  | { readonly kind: 'unread'; readonly key: string; readonly label: string }
  | {
      readonly kind: 'message';
      readonly key: string;
      readonly message: ChatMessageJson;
      /** Same author as the row above, same day, within {@link GROUP_GAP_MS}: drawn as one group. */
      readonly groupedWithPrevious: boolean;
      readonly groupedWithNext: boolean;
    };

/** Consecutive messages of one author closer than this are drawn as a group. */
export const GROUP_GAP_MS = 5 * 60_000;

const DAY_FORMAT = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const DAY_WITH_YEAR = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/** Local calendar day of a time, as `YYYY-M-D`. */
function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "Today", "Yesterday", "Monday, March 3", or with the year when it is not this year. */
export function dayLabel(ms: number, now = Date.now()): string {
  if (dayOf(ms) === dayOf(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (dayOf(ms) === dayOf(yesterday.getTime())) return 'Yesterday';
  return new Date(ms).getFullYear() === new Date(now).getFullYear() ? DAY_FORMAT.format(ms) : DAY_WITH_YEAR.format(ms);
}

/** The time a message is placed at: when it was stored here (the author's clock may be off). */
export function placedAt(message: ChatMessageJson): number {
  return message.from_me ? message.sent_at : message.stored_at;
}

/**
 * The rows for messages in order: a separator before each new day, the unread marker before the
 * message `unreadFrom` (if given and present), and grouping flags for consecutive messages.
 */
export function buildTimeline(messages: readonly ChatMessageJson[], unreadFrom: string | null, now = Date.now()): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let previous: ChatMessageJson | undefined;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const day = dayOf(placedAt(message));
    const newDay = !previous || dayOf(placedAt(previous)) !== day;
    if (newDay) rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(placedAt(message), now) });
    const marker = message.id === unreadFrom;
    if (marker) rows.push({ kind: 'unread', key: 'unread-marker', label: 'New messages' });
    const next = messages[i + 1];
    rows.push({
      kind: 'message',
      key: message.id,
      message,
      groupedWithPrevious: !newDay && !marker && groups(previous, message),
      groupedWithNext: next !== undefined && next.id !== unreadFrom && dayOf(placedAt(next)) === day && groups(message, next),
    });
    previous = message;
  }
  return rows;
}

function groups(a: ChatMessageJson | undefined, b: ChatMessageJson): boolean {
  return a !== undefined && a.from_me === b.from_me && Math.abs(placedAt(b) - placedAt(a)) < GROUP_GAP_MS;
}
