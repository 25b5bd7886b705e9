import type { ChatMessageJson } from './chat-api';
import { deliveryIcon } from './delivery-icon';
import { bodyParts, type BodyPart } from './linkify';
import { placedAt } from './timeline';

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const FULL_TIME_FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** What a message row shows, worked out once per copy of a message (not on every render). */
export interface MessageView {
  readonly parts: readonly BodyPart[];
  /** Time only: the day is in the separator above. */
  readonly time: string;
  readonly fullTime: string;
  readonly tick: { readonly icon: string; readonly label: string };
  /** The accessible name of the message's menu button: whose, when, how it starts. */
  readonly menuLabel: string;
  /** The accessible name of the message itself, when the keyboard walks to it. */
  readonly rowLabel: string;
  readonly myReaction: string | undefined;
}

const views = new WeakMap<ChatMessageJson, MessageView>();

export function messageView(message: ChatMessageJson): MessageView {
  let view = views.get(message);
  if (!view) views.set(message, (view = build(message)));
  return view;
}

export function formatFullTime(ms: number): string {
  return FULL_TIME_FORMAT.format(ms);
}

function build(message: ChatMessageJson): MessageView {
  const time = TIME_FORMAT.format(placedAt(message));
  const who = message.from_me ? 'your message' : 'message from your friend';
  const text = message.deleted_at ? 'deleted' : message.body.replace(/\s+/g, ' ').slice(0, 60);
  return {
    parts: message.deleted_at ? [] : bodyParts(message.body),
    time,
    fullTime: FULL_TIME_FORMAT.format(placedAt(message)),
    tick: deliveryIcon(message.state),
    menuLabel: `Options for ${who} at ${time}: ${text}`,
    rowLabel: `${who[0]!.toUpperCase()}${who.slice(1)} at ${time}: ${message.deleted_at ? 'deleted' : message.body.replace(/\s+/g, ' ')}`,
    myReaction: message.reactions?.find((r) => r.from_me)?.emoji,
  };
}
