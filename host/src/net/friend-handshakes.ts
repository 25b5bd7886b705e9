import type { PeerKey } from '@kith/sdk';
import { TokenBucket } from './token-bucket.js';

/** Ephemeral keys remembered per friend: a HELLO carrying one of them again is a replay. */
const REMEMBERED_EPHEMERALS = 512;
/** New sessions (not rekeys) one friend may open: a burst of 4, then one every 2 s. */
export const OPENS_PER_SECOND = 0.5;
export const OPENS_BURST = 4;

/**
 * What the session table remembers of each friend's handshakes, so that neither a replayed HELLO
 * nor a friend who keeps opening sessions makes this host do costly work over and over:
 * - every ephemeral key whose HELLO authenticated (its Diffie-Hellman work is done once: a copy
 *   of that HELLO, whatever sender index it is given, is refused before any crypto);
 * - a budget of new sessions (each replaces the live one and rebuilds the bus channel). Only
 *   authenticated, fresh HELLOs spend it, so nobody but the friend can use it up.
 */
export class FriendHandshakes {
  readonly #ephemerals = new Map<PeerKey, Set<string>>();
  readonly #opens = new Map<PeerKey, TokenBucket>();

  /** True when `peer`'s HELLO with this ephemeral key already authenticated here. */
  seen(peer: PeerKey, ephemeralHex: string): boolean {
    return this.#ephemerals.get(peer)?.has(ephemeralHex) ?? false;
  }

  /** `peer`'s HELLO with this ephemeral key authenticated (whatever its fate after). */
  remember(peer: PeerKey, ephemeralHex: string): void {
    let keys = this.#ephemerals.get(peer);
    if (!keys) this.#ephemerals.set(peer, (keys = new Set()));
    keys.add(ephemeralHex);
    if (keys.size > REMEMBERED_EPHEMERALS) keys.delete(keys.values().next().value as string);
  }

  /**
   * Whether `peer` may open a session now. Asked before any crypto, so a friend over its budget
   * costs no DH, and its HELLO (not remembered) is read once the budget allows.
   */
  mayOpen(peer: PeerKey): boolean {
    return this.#bucket(peer).has();
  }

  /** `peer` opened a session (an authenticated, fresh HELLO that is not a rekey): spend one. */
  opened(peer: PeerKey): void {
    this.#bucket(peer).take();
  }

  #bucket(peer: PeerKey): TokenBucket {
    let bucket = this.#opens.get(peer);
    if (!bucket) this.#opens.set(peer, (bucket = new TokenBucket(OPENS_PER_SECOND, OPENS_BURST)));
    return bucket;
  }

  /** Forget friends no longer in the keyring (the maps hold friends only). */
  keepOnly(isFriend: (peer: PeerKey) => boolean): void {
    for (const map of [this.#ephemerals, this.#opens]) {
      for (const peer of map.keys()) if (!isFriend(peer)) map.delete(peer);
    }
  }

  clear(): void {
    this.#ephemerals.clear();
    this.#opens.clear();
  }
}
