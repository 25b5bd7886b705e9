import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PeerKey } from '@kith/sdk';
import type { ActivePersona } from '../core/persona-gate.js';
import type { StaticKey } from './noise-kk.js';
import { BEACON_HINT_BYTES, HINT_BYTES } from './peer-packet.js';

/** What the net layer needs to know about one friend. */
export interface FriendKeys {
  readonly peer: PeerKey;
  /** Hex of the friend's X25519 public key for this friendship. */
  readonly x25519PublicKey: string;
  readonly label?: string;
  readonly lastPeerId?: string | null;
}

/** One friend, ready for handshakes: both static keys and the key for routing hints. */
export interface PeerKeyEntry {
  readonly peer: PeerKey;
  readonly masterPublicKey: Buffer;
  readonly remoteStatic: Buffer;
  readonly localStatic: StaticKey;
  /**
   * HMAC key both friends derive from their static-static secret. A HELLO carries
   * HMAC(hintKey, sender master key || e)[:8] so the responder finds the friend with a few HMACs instead of a DH per
   * friend; an observer cannot link two HELLOs (e is fresh every time).
   */
  readonly hintKey: Buffer;
}

/** Friends of the active persona, indexed for HELLO and beacon lookups. Bounded: at most MAX_FRIENDS. */
export class PeerKeyring {
  static readonly MAX_FRIENDS = 1024;
  readonly #entries = new Map<PeerKey, PeerKeyEntry>();
  readonly #persona: ActivePersona;

  constructor(persona: ActivePersona) {
    this.#persona = persona;
  }

  get persona(): ActivePersona {
    return this.#persona;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Replace the set of friends. Entries whose keys did not change are kept (no DH recomputation). */
  replace(friends: readonly FriendKeys[]): void {
    const wanted = new Set<PeerKey>();
    for (const friend of friends.slice(0, PeerKeyring.MAX_FRIENDS)) {
      if (!/^[0-9a-f]{64}$/.test(friend.peer) || !/^[0-9a-f]{64}$/.test(friend.x25519PublicKey)) continue;
      wanted.add(friend.peer);
      const existing = this.#entries.get(friend.peer);
      if (existing && existing.remoteStatic.toString('hex') === friend.x25519PublicKey) continue;
      this.#entries.set(friend.peer, this.#build(friend));
    }
    for (const peer of [...this.#entries.keys()]) if (!wanted.has(peer)) this.#entries.delete(peer);
  }

  get(peer: PeerKey): PeerKeyEntry | undefined {
    return this.#entries.get(peer);
  }

  all(): PeerKeyEntry[] {
    return [...this.#entries.values()];
  }

  /** The friend whose hint key produced `hint` over `ephemeral`. */
  findByHelloHint(ephemeral: Uint8Array, hint: Uint8Array): PeerKeyEntry | undefined {
    for (const entry of this.#entries.values()) {
      if (timingSafeEqual(helloHint(entry.hintKey, entry.masterPublicKey, ephemeral), hint)) return entry;
    }
    return undefined;
  }

  findByBeaconHint(nonce: Uint8Array, port: number, hint: Uint8Array): PeerKeyEntry | undefined {
    for (const entry of this.#entries.values()) {
      if (timingSafeEqual(beaconHint(entry.hintKey, entry.masterPublicKey, nonce, port), hint)) return entry;
    }
    return undefined;
  }

  #build(friend: FriendKeys): PeerKeyEntry {
    const masterPublicKey = Buffer.from(friend.peer, 'hex');
    const remoteStatic = Buffer.from(friend.x25519PublicKey, 'hex');
    const local = this.#persona.friendX25519(masterPublicKey);
    const localStatic: StaticKey = { publicKey: local.publicKey, sharedSecret: (pub) => local.sharedSecret(pub) };
    const ss = local.sharedSecret(remoteStatic);
    const hintKey = createHmac('sha256', ss).update('kith/net/v1/hint').digest();
    return { peer: friend.peer, masterPublicKey, remoteStatic, localStatic, hintKey };
  }
}

/** The hint binds the sender's master key, so a reflected HELLO of our own never matches. */
export function helloHint(hintKey: Uint8Array, senderMaster: Uint8Array, ephemeral: Uint8Array): Buffer {
  return createHmac('sha256', hintKey).update('hello').update(senderMaster).update(ephemeral).digest().subarray(0, HINT_BYTES);
}

export function beaconHint(hintKey: Uint8Array, senderMaster: Uint8Array, nonce: Uint8Array, port: number): Buffer {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16BE(port);
  return createHmac('sha256', hintKey).update('beacon').update(senderMaster).update(nonce).update(portBytes).digest()
    .subarray(0, BEACON_HINT_BYTES);
}
