/**
 * The chat kinds on the wire: CBOR headers (the bus encodes them) and a UTF-8 payload for bodies.
 * Decoders check every field of what a peer sent before the store sees it.
 */
import type { EventHeader } from '@kith/sdk';

/** Longest body in UTF-8 bytes (fits one event in a 1280-byte-MTU session with room for framing). */
export const MAX_BODY_BYTES = 1900;
/** Most message ids one read receipt carries. */
export const MAX_READ_IDS = 64;
const MESSAGE_ID = /^[0-9a-f]{32}$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface TextEvent { readonly id: string; readonly sentAt: number; readonly body: string }
export interface ReadEvent { readonly ids: readonly string[]; readonly readAt: number }
export interface EditEvent { readonly id: string; readonly editedAt: number; readonly body: string }
export interface DeleteEvent { readonly id: string }
export interface ClearEvent { readonly clearedAt: number }

/** A fresh message id: 16 random bytes in hex, chosen by the author and kept by both sides. */
export function newMessageId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

/** UTF-8 bytes of a body, or a RangeError naming the limit. */
export function bodyBytes(body: string): Uint8Array {
  const bytes = encoder.encode(body);
  if (bytes.length > MAX_BODY_BYTES) throw new RangeError(`A message is at most ${MAX_BODY_BYTES} bytes of UTF-8; this one is ${bytes.length}`);
  return bytes;
}

export function encodeText(event: TextEvent): { header: EventHeader; payload: Uint8Array } {
  return { header: { id: event.id, ts: event.sentAt }, payload: bodyBytes(event.body) };
}

export function decodeText(header: EventHeader, payload: Uint8Array): TextEvent | null {
  const body = decodeBody(payload);
  if (!isMessageId(header.id) || !isTimestamp(header.ts) || body === null) return null;
  return { id: header.id, sentAt: header.ts, body };
}

export function encodeRead(event: ReadEvent): EventHeader {
  return { ids: [...event.ids], at: event.readAt };
}

export function decodeRead(header: EventHeader): ReadEvent | null {
  const { ids, at } = header;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_READ_IDS || !ids.every(isMessageId) || !isTimestamp(at)) return null;
  return { ids: ids as string[], readAt: at };
}

export function encodeEdit(event: EditEvent): { header: EventHeader; payload: Uint8Array } {
  return { header: { id: event.id, ts: event.editedAt }, payload: bodyBytes(event.body) };
}

export function decodeEdit(header: EventHeader, payload: Uint8Array): EditEvent | null {
  const text = decodeText(header, payload);
  return text ? { id: text.id, editedAt: text.sentAt, body: text.body } : null;
}

export function encodeDelete(event: DeleteEvent): EventHeader {
  return { id: event.id };
}

export function decodeDelete(header: EventHeader): DeleteEvent | null {
  return isMessageId(header.id) ? { id: header.id } : null;
}

export function encodeClear(event: ClearEvent): EventHeader {
  return { at: event.clearedAt };
}

export function decodeClear(header: EventHeader): ClearEvent | null {
  return isTimestamp(header.at) ? { clearedAt: header.at } : null;
}

function decodeBody(payload: Uint8Array): string | null {
  if (!(payload instanceof Uint8Array) || payload.length === 0 || payload.length > MAX_BODY_BYTES) return null;
  try {
    return decoder.decode(payload);
  } catch {
    return null;
  }
}

/** Unix ms between 2020 and 2100: a sane clock value from a peer. */
function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 1_577_836_800_000 && value < 4_102_444_800_000;
}
