import { createHmac, randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { ActivePersona, X25519Key } from '../../src/core/persona-gate.js';
import type { FriendKeys } from '../../src/net/peer-keyring.js';

/** A persona with real keys generated in the test (stands in for the identity module's). */
export function testPersona(label = 'test'): ActivePersona & { friendCardFor(other: ActivePersona): FriendKeys } {
  const masterSecret = randomBytes(32);
  const masterPublicKey = ed25519.getPublicKey(masterSecret);
  const x25519Secret = randomBytes(32);
  const root = randomBytes(32);
  const keyOf = (secret: Uint8Array): X25519Key => ({
    publicKey: x25519.getPublicKey(secret),
    sharedSecret: (pub) => x25519.getSharedSecret(secret, pub),
  });
  const friendX25519 = (friendMaster: Uint8Array) => keyOf(createHmac('sha256', root).update(friendMaster).digest());
  const persona: ActivePersona = {
    info: { slug: label, label, peerId: randomBytes(8).toString('hex'), masterPublicKey: Buffer.from(masterPublicKey).toString('hex') },
    masterPublicKey,
    sign: (message) => ed25519.sign(message, masterSecret),
    x25519: keyOf(x25519Secret),
    friendX25519,
    atRestKey: randomBytes(32),
  };
  return {
    ...persona,
    /** The friend record `other` saves for this persona. */
    friendCardFor(other: ActivePersona): FriendKeys {
      return { peer: persona.info.masterPublicKey, x25519PublicKey: Buffer.from(friendX25519(other.masterPublicKey).publicKey).toString('hex') };
    },
  };
}
