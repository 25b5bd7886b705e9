/**
 * Chat's bus kinds and their headers, as they are on the wire (docs/wire/kind-headers.md; the
 * golden vectors in test/wire-vectors.json are made by these codecs). The field names are short
 * (`ts`, `at`) because peers of this version send and expect exactly these; a rename would make
 * an older friend drop every message, so the wire stays and the docs follow it.
 */
import { defineKind, type EventHeader } from '@kith/sdk';

/** Longest reaction: one emoji with its modifiers and joiners (a family emoji is 11 units). */
export const MAX_REACTION_CHARS = 16;
/** Most message ids one read receipt carries. */
export const MAX_READ_IDS = 64;
const MESSAGE_ID = /^[0-9a-f]{32}$/;

/** `chat.text`: a new message; its body travels as the UTF-8 payload. */
export interface ChatTextHeader {
  /** Author-chosen message id, 32 hex digits, kept by both sides. */
  readonly id: string;
  /** When it was sent: Unix ms on the author's clock. */
  readonly ts: number;
}
/** `chat.read`: the reader read these messages at `at` (Unix ms). */
export interface ChatReadHeader {
  readonly ids: readonly string[];
  readonly at: number;
}
/** `chat.edit`: the author edited message `id` at `ts`; the new body is the UTF-8 payload. */
export type ChatEditHeader = ChatTextHeader;
/** `chat.delete`: the author deleted message `id` on both sides. */
export interface ChatDeleteHeader {
  readonly id: string;
}
/** `chat.clear`: the friend cleared the conversation on both sides at `at` (Unix ms). */
export interface ChatClearHeader {
  readonly at: number;
}
/** `chat.reply`: a new message quoting message `re` of the same conversation; body as for chat.text. */
export interface ChatReplyHeader extends ChatTextHeader {
  /** The id of the message it answers (either side's). */
  readonly re: string;
}
/** `chat.react`: the sender's reaction to message `id` (one per person; `emoji` empty removes it). */
export interface ChatReactHeader {
  readonly id: string;
  /** One emoji (at most {@link MAX_REACTION_CHARS} UTF-16 units), or '' to take the reaction back. */
  readonly emoji: string;
  readonly at: number;
}
/** `chat.typing-start` / `chat.typing-stop`: an empty header. */
export type ChatTypingHeader = Readonly<Record<string, never>>;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

/** Unix ms between 2020 and 2100: a sane clock value from a peer. */
export function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 1_577_836_800_000 && value < 4_102_444_800_000;
}

function checkText(header: EventHeader): ChatTextHeader | null {
  const { id, ts } = header;
  return isMessageId(id) && isTimestamp(ts) ? { id, ts } : null;
}

export const chatText = defineKind<ChatTextHeader>('chat.text', checkText);

export const chatRead = defineKind<ChatReadHeader>('chat.read', (header) => {
  const { ids, at } = header;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_READ_IDS || !ids.every(isMessageId) || !isTimestamp(at)) return null;
  return { ids: ids as string[], at };
});

export const chatEdit = defineKind<ChatEditHeader>('chat.edit', checkText);

export const chatDelete = defineKind<ChatDeleteHeader>('chat.delete', (header) => (isMessageId(header.id) ? { id: header.id } : null));

export const chatClear = defineKind<ChatClearHeader>('chat.clear', (header) => (isTimestamp(header.at) ? { at: header.at } : null));

export const chatReply = defineKind<ChatReplyHeader>('chat.reply', (header) => {
  const text = checkText(header);
  return text && isMessageId(header.re) ? { ...text, re: header.re } : null;
});

/** A reaction: no control characters, no letters or digits (an emoji, not a word), bounded. */
export function isReaction(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_REACTION_CHARS && !/[\p{Cc}\p{L}\p{N}\s]/u.test(value);
}

export const chatReact = defineKind<ChatReactHeader>('chat.react', (header) => {
  const { id, emoji, at } = header;
  return isMessageId(id) && isReaction(emoji) && isTimestamp(at) ? { id, emoji, at } : null;
});

const typing = (): ChatTypingHeader => ({});
export const chatTypingStart = defineKind<ChatTypingHeader>('chat.typing-start', typing);
export const chatTypingStop = defineKind<ChatTypingHeader>('chat.typing-stop', typing);

/** Every chat kind, in manifest order. */
export const CHAT_KINDS = [chatText, chatRead, chatTypingStart, chatTypingStop, chatEdit, chatDelete, chatClear, chatReply, chatReact] as const;
