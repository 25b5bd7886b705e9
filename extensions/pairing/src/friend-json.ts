/** The API shape of a friend (snake_case, as in the reference API table). */
import type { Friend } from '@kith/sdk';

export interface FriendJson {
  readonly id: number;
  readonly label: string;
  readonly master_pubkey: string;
  readonly last_peer_id: string | null;
  readonly friend_x25519_pubkey: string;
  readonly verified: boolean;
  readonly auto_connect: boolean;
  readonly added_at: number;
  /** A removal waits to reach the friend; the friend vanishes on both sides once it has. */
  readonly removing: boolean;
}

export function friendJson(friend: Friend, removing = false): FriendJson {
  return {
    id: friend.id,
    label: friend.label,
    master_pubkey: friend.peer,
    last_peer_id: friend.lastPeerId,
    friend_x25519_pubkey: friend.x25519PublicKey,
    verified: friend.verified,
    auto_connect: friend.autoConnect,
    added_at: friend.addedAt,
    removing,
  };
}
