import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { EventEmitter, type Friend } from '@kith/sdk';
import type { ActivePersona, PersonaGate, X25519Key } from '../../../src/core/persona-gate.js';
import { derivePersonaKeys, friendX25519Secret } from '../../../src/identity/persona-keys.js';
import type { PresenceFriendSource } from '../../../src/presence/area.js';

function keyFrom(secret: Uint8Array): X25519Key {
  return { publicKey: x25519.getPublicKey(secret), sharedSecret: (their) => x25519.getSharedSecret(secret, their) };
}

/** A persona with real keys derived the way the identity module derives them (random seed). */
export function makePersona(label: string): ActivePersona {
  const keys = derivePersonaKeys(randomBytes(64));
  return {
    info: { slug: label.toLowerCase(), label, peerId: Buffer.from(randomBytes(9)).toString('base64url'), masterPublicKey: bytesToHex(keys.masterPublicKey) },
    masterPublicKey: keys.masterPublicKey,
    sign: (m) => ed25519.sign(m, keys.masterSecret),
    x25519: keyFrom(keys.x25519Secret),
    friendX25519: (friendMaster) => keyFrom(friendX25519Secret(keys.friendRoot, friendMaster)),
    atRestKey: keys.atRestKey,
  };
}

/** A gate the test unlocks and locks. */
export class TestGate implements PersonaGate {
  #active: ActivePersona | undefined;
  readonly #emitter = new EventEmitter<ActivePersona | undefined>();
  readonly onDidChangeActive = this.#emitter.event;
  get active() {
    return this.#active;
  }
  set(persona: ActivePersona | undefined) {
    this.#active = persona;
    this.#emitter.fire(persona);
  }
}

/** Friends held in memory (the identity area's store has the same `list`). */
export class TestFriends implements PresenceFriendSource {
  readonly friends: Friend[] = [];
  async list() {
    return this.friends;
  }
}

/** Make `a` and `b` friends the way pairing does: each saves the other's per-friend X25519 key. */
export function befriend(a: { persona: ActivePersona; friends: TestFriends }, b: { persona: ActivePersona; friends: TestFriends }): void {
  const card = (self: ActivePersona, other: ActivePersona, id: number): Friend => ({
    id, peer: other.info.masterPublicKey, label: other.info.label, lastPeerId: other.info.peerId,
    x25519PublicKey: bytesToHex(other.friendX25519(self.masterPublicKey).publicKey),
    verified: true, autoConnect: false, addedAt: Date.now(),
  });
  a.friends.friends.push(card(a.persona, b.persona, a.friends.friends.length + 1));
  b.friends.friends.push(card(b.persona, a.persona, b.friends.friends.length + 1));
}
