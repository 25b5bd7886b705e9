import type { Friend } from '@kith/sdk';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { ActivePersona, X25519Key } from '../core/persona-gate.js';
import { friendshipRoutingSecret, routingTag } from '../../../rendezvous/src/peer/routing-tag.js';

/** What presence needs from the identity area's friend store (the shape of `identity.friends`). */
export interface PresenceFriendSource {
  /** The active persona's saved friends. */
  list(): Promise<readonly Friend[]>;
}

/** One friendship, with the keys presence uses for it. */
export interface FriendRoute {
  readonly friend: Friend;
  /** Our per-friend X25519 key (private half stays in the identity module). */
  readonly ownKey: X25519Key;
  /** The friend's per-friendship X25519 public key. */
  readonly theirKey: Uint8Array;
  /** HKDF of the X25519 DH between the two per-friend keys: both sides hold the same value. */
  readonly secret: Uint8Array;
}

/**
 * Routing keys for every friend of the active persona, cached per friendship (the DH and HKDF run
 * once per friend key, not per poll).
 */
export class FriendRouting {
  readonly #cache = new Map<string, FriendRoute>();

  constructor(private readonly persona: ActivePersona) {}

  route(friend: Friend): FriendRoute | undefined {
    const cacheKey = `${friend.peer} ${friend.x25519PublicKey}`;
    const cached = this.#cache.get(cacheKey);
    if (cached) return { ...cached, friend };
    if (!/^[0-9a-f]{64}$/.test(friend.peer) || !/^[0-9a-f]{64}$/.test(friend.x25519PublicKey)) return undefined;
    const ownKey = this.persona.friendX25519(hexToBytes(friend.peer));
    const theirKey = hexToBytes(friend.x25519PublicKey);
    let shared: Uint8Array;
    try {
      shared = ownKey.sharedSecret(theirKey);
    } catch {
      return undefined; // a low-order or malformed key: no friendship routing possible
    }
    const route: FriendRoute = { friend, ownKey, theirKey, secret: friendshipRoutingSecret(shared, this.persona.info.masterPublicKey, friend.peer) };
    shared.fill(0);
    this.#cache.set(cacheKey, route);
    return route;
  }

  /** Tag → friend for blobs friends published to us in any of `epochs`. */
  inboundTags(routes: readonly FriendRoute[], epochs: readonly number[]): Map<string, FriendRoute> {
    const table = new Map<string, FriendRoute>();
    for (const route of routes) for (const epoch of epochs) table.set(routingTag(route.secret, route.friend.peer, epoch), route);
    return table;
  }

  /** The tag of our blobs for `friend` in `epoch`. */
  outboundTag(route: FriendRoute, epoch: number): string {
    return routingTag(route.secret, this.persona.info.masterPublicKey, epoch);
  }

  clear(): void {
    for (const route of this.#cache.values()) route.secret.fill(0);
    this.#cache.clear();
  }
}
