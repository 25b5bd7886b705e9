/**
 * The identity card two peers exchange inside the sealed PAKE boxes, and its strict parser: the
 * bytes come from whoever joined the room, so every field is checked before use.
 */
import type { FriendCard } from '@kith/sdk';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { cleanFriendLabel } from './shown-label.js';

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_CARD_BYTES = 1024;
const MAX_LABEL = 64;
const MAX_PEER_ID = 128;

/** The card without the per-friend key, which can only be derived once the peer is known. */
export interface IdentityCard {
  readonly peer: string;
  readonly peerId: string;
  readonly label: string;
}

export function encodeCard(card: IdentityCard): Uint8Array {
  return utf8ToBytes(JSON.stringify({ v: 1, peer: card.peer, peerId: card.peerId, label: card.label }));
}

/** Parse a card, or null when it is malformed. */
export function decodeCard(bytes: Uint8Array): IdentityCard | null {
  const value = parseJson(bytes);
  if (!value || value.v !== 1) return null;
  const { peer, peerId, label } = value;
  if (typeof peer !== 'string' || !HEX64.test(peer)) return null;
  if (typeof peerId !== 'string' || peerId.length === 0 || peerId.length > MAX_PEER_ID) return null;
  if (typeof label !== 'string' || label.length > MAX_LABEL) return null;
  return { peer, peerId, label };
}

export function encodeKey(x25519PublicKey: string): Uint8Array {
  return utf8ToBytes(JSON.stringify({ v: 1, x25519: x25519PublicKey }));
}

/** Parse the per-friend X25519 public key message, or null. */
export function decodeKey(bytes: Uint8Array): string | null {
  const value = parseJson(bytes);
  if (!value || value.v !== 1 || typeof value.x25519 !== 'string' || !HEX64.test(value.x25519)) return null;
  return value.x25519;
}

/** The card to save as a friend, with the label the user chose for them (falls back to theirs). */
export function toFriendCard(card: IdentityCard, x25519PublicKey: string, localLabel: string | undefined): FriendCard {
  const label = localLabel && localLabel.trim() ? localLabel.trim() : cleanFriendLabel(card.label);
  return { peer: card.peer, peerId: card.peerId, label, x25519PublicKey };
}

function parseJson(bytes: Uint8Array): Record<string, unknown> | null {
  if (bytes.length > MAX_CARD_BYTES) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
