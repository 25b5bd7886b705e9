import { KithError } from '@kith/sdk';
import type { RoomCursor } from './room-store.js';

/** Expiry in Unix ms, a dot, a 43-character owner tag (owner-tag.ts). */
const CURSOR_PATTERN = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/;

/** A fetch cursor on the wire: `<expiresAt>.<tag>` of the last entry answered. Opaque to clients. */
export function encodeCursor(cursor: RoomCursor): string {
  return `${cursor.expiresAt}.${cursor.tag}`;
}

/** Parse `?cursor=`; a malformed one is `KITH_ERR_BAD_REQUEST`. */
export function decodeCursor(raw: string): RoomCursor {
  const match = CURSOR_PATTERN.exec(raw);
  if (!match) throw new KithError('KITH_ERR_BAD_REQUEST', 'cursor must be a `next` value from a previous fetch');
  return { expiresAt: Number(match[1]), tag: match[2]! };
}
