import { MAX_SLOT_ENTRY_TIME, type SlotEntry } from '@kith/sdk';
import type { ChatMessageJson } from './chat-api';

/**
 * One row of the conversation: a day separator, the "new messages" marker, a message, or another
 * extension's entry (a file sent, a call) in the slot `chat.timeline`.
 */
export type TimelineRow =
  | { readonly kind: 'day'; readonly key: string; readonly label: string }
  | { readonly kind: 'entry'; readonly key: string; readonly entry: SlotEntry }
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
 * The rows for messages in order, with other extensions' entries (`chat.timeline`) placed among
 * them by time: a separator before each new day, the unread marker before the message
 * `unreadFrom` (if given and present), and grouping flags for consecutive messages (an entry
 * between two messages ends their group). Entries before `since` (the first loaded message, while
 * older ones are still to load) wait until their place is loaded.
 */
export function buildTimeline(
  messages: readonly ChatMessageJson[],
  unreadFrom: string | null,
  now = Date.now(),
  entries: readonly SlotEntry[] = [],
  since = -Infinity,
): TimelineRow[] {
  // Only times a Date can show (the shell checks them too): one outside would break the day separators.
  const items = interleave(messages, entries.filter((e) => e.at >= since && Math.abs(e.at) <= MAX_SLOT_ENTRY_TIME));
  const rows: TimelineRow[] = [];
  let previous: Item | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const day = dayOf(item.at);
    const newDay = !previous || dayOf(previous.at) !== day;
    if (newDay) rows.push({ kind: 'day', key: `day-${day}`, label: dayLabel(item.at, now) });
    if (item.entry) {
      rows.push({ kind: 'entry', key: `entry-${item.entry.key}`, entry: item.entry });
      previous = item;
      continue;
    }
    const message = item.message!;
    const marker = message.id === unreadFrom;
    if (marker) rows.push({ kind: 'unread', key: 'unread-marker', label: 'New messages' });
    const next = items[i + 1];
    rows.push({
      kind: 'message',
      key: message.id,
      message,
      groupedWithPrevious: !newDay && !marker && groups(previous?.message, message),
      groupedWithNext: next?.message !== undefined && next.message.id !== unreadFrom && dayOf(next.at) === day && groups(message, next.message),
    });
    previous = item;
  }
  return rows;
}

interface Item {
  readonly at: number;
  readonly message?: ChatMessageJson;
  readonly entry?: SlotEntry;
}

/** Messages in their own order, each entry (oldest first) placed before the first message later than it. */
function interleave(messages: readonly ChatMessageJson[], entries: readonly SlotEntry[]): Item[] {
  const items: Item[] = [];
  let e = 0;
  for (const message of messages) {
    const at = placedAt(message);
    while (e < entries.length && entries[e]!.at < at) items.push({ at: entries[e]!.at, entry: entries[e++] });
    items.push({ at, message });
  }
  while (e < entries.length) items.push({ at: entries[e]!.at, entry: entries[e++] });
  return items;
}

function groups(a: ChatMessageJson | undefined, b: ChatMessageJson): boolean {
  return a !== undefined && a.from_me === b.from_me && Math.abs(placedAt(b) - placedAt(a)) < GROUP_GAP_MS;
}
