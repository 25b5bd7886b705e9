/**
 * Chat's events as the service sees them, to and from the wire: the headers through the kind
 * codecs of chat-kinds.ts (the bus CBOR-encodes them), bodies as a UTF-8 payload. Decoders check
 * every field of what a peer sent before the store sees it.
 */
import type { EventHeader } from '@kith/sdk';
import { chatClear, chatDelete, chatEdit, chatReact, chatRead, chatReply, chatText } from './chat-kinds.js';

export { MAX_READ_IDS, isMessageId } from './chat-kinds.js';

/** Longest body in UTF-8 bytes (fits one event in a 1280-byte-MTU session with room for framing). */
export const MAX_BODY_BYTES = 1900;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface TextEvent { readonly id: string; readonly sentAt: number; readonly body: string }
export interface ReadEvent { readonly ids: readonly string[]; readonly readAt: number }
export interface EditEvent { readonly id: string; readonly editedAt: number; readonly body: string }
export interface DeleteEvent { readonly id: string }
export interface ClearEvent { readonly clearedAt: number }
export interface ReplyEvent extends TextEvent { readonly replyTo: string }
export interface ReactEvent { readonly id: string; readonly emoji: string; readonly reactedAt: number }

/** A fresh message id: 16 random bytes in hex, chosen by the author and kept by both sides. */
export function newMessageId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** UTF-8 bytes of a body, or a RangeError naming the limit. */
export function bodyBytes(body: string): Uint8Array {
  const bytes = encoder.encode(body);
  if (bytes.length > MAX_BODY_BYTES) throw new RangeError(`A message is at most ${MAX_BODY_BYTES} bytes of UTF-8; this one is ${bytes.length}`);
  return bytes;
}

export function encodeText(event: TextEvent): { header: EventHeader; payload: Uint8Array } {
  return { header: chatText.encode({ id: event.id, ts: event.sentAt }), payload: bodyBytes(event.body) };
}

export function decodeText(header: EventHeader, payload: Uint8Array): TextEvent | null {
  const text = chatText.decode(header);
  const body = decodeBody(payload);
  return text && body !== null ? { id: text.id, sentAt: text.ts, body } : null;
}

export function encodeRead(event: ReadEvent): EventHeader {
  return chatRead.encode({ ids: [...event.ids], at: event.readAt });
}

export function decodeRead(header: EventHeader): ReadEvent | null {
  const read = chatRead.decode(header);
  return read && { ids: read.ids, readAt: read.at };
}

export function encodeEdit(event: EditEvent): { header: EventHeader; payload: Uint8Array } {
  return { header: chatEdit.encode({ id: event.id, ts: event.editedAt }), payload: bodyBytes(event.body) };
}

export function decodeEdit(header: EventHeader, payload: Uint8Array): EditEvent | null {
  const edit = chatEdit.decode(header);
  const body = decodeBody(payload);
  return edit && body !== null ? { id: edit.id, editedAt: edit.ts, body } : null;
}

export function encodeDelete(event: DeleteEvent): EventHeader {
  return chatDelete.encode({ id: event.id });
}

export function decodeDelete(header: EventHeader): DeleteEvent | null {
  return chatDelete.decode(header);
}

export function encodeClear(event: ClearEvent): EventHeader {
  return chatClear.encode({ at: event.clearedAt });
}

export function decodeClear(header: EventHeader): ClearEvent | null {
  const clear = chatClear.decode(header);
  return clear && { clearedAt: clear.at };
}

export function encodeReply(event: ReplyEvent): { header: EventHeader; payload: Uint8Array } {
  return { header: chatReply.encode({ id: event.id, ts: event.sentAt, re: event.replyTo }), payload: bodyBytes(event.body) };
}

export function decodeReply(header: EventHeader, payload: Uint8Array): ReplyEvent | null {
  const reply = chatReply.decode(header);
  const body = decodeBody(payload);
  return reply && body !== null ? { id: reply.id, sentAt: reply.ts, body, replyTo: reply.re } : null;
}

export function encodeReact(event: ReactEvent): EventHeader {
  return chatReact.encode({ id: event.id, emoji: event.emoji, at: event.reactedAt });
}

export function decodeReact(header: EventHeader): ReactEvent | null {
  const react = chatReact.decode(header);
  return react && { id: react.id, emoji: react.emoji, reactedAt: react.at };
}

function decodeBody(payload: Uint8Array): string | null {
  if (!(payload instanceof Uint8Array) || payload.length === 0 || payload.length > MAX_BODY_BYTES) return null;
  try {
    return decoder.decode(payload);
  } catch {
    return null;
  }
}
