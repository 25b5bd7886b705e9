// Personas with fresh keys for the net benches (they need no vault), and what each side of a
// bench pair knows of the other.
import { randomBytes, createHmac } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { ActivePersona, X25519Key } from '../../host/src/core/persona-gate.js';

export function benchPersona(label: string): ActivePersona {
  const master = randomBytes(32);
  const root = randomBytes(32);
  const keyOf = (secret: Uint8Array): X25519Key => ({
    publicKey: x25519.getPublicKey(secret), sharedSecret: (pub) => x25519.getSharedSecret(secret, pub),
  });
  const masterPublicKey = ed25519.getPublicKey(master);
  return {
    info: { slug: label, label, peerId: randomBytes(8).toString('hex'), masterPublicKey: Buffer.from(masterPublicKey).toString('hex') },
    masterPublicKey,
    sign: (m) => ed25519.sign(m, master),
    x25519: keyOf(randomBytes(32)),
    friendX25519: (friend) => keyOf(createHmac('sha256', root).update(friend).digest()),
    atRestKey: randomBytes(32),
  };
}

/** `of`'s friend card as `forPersona` saves it. */
export const card = (of: ActivePersona, forPersona: ActivePersona) => ({
  peer: of.info.masterPublicKey,
  x25519PublicKey: Buffer.from(of.friendX25519(forPersona.masterPublicKey).publicKey).toString('hex'),
});

/** A loopback IPv4 endpoint. */
export const lo = (port: number) => ({ address: '127.0.0.1', port, family: 'ipv4' as const });
