import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { EventEmitter } from '@kith/sdk';
import type { ActivePersona, PersonaGate, X25519Key } from '../../../src/core/persona-gate.js';

/** A persona with real keys, for driving the extension manager without the identity area. */
export function testPersona(slug: string): ActivePersona {
  const seed = randomBytes(32);
  const masterPublicKey = ed25519.getPublicKey(seed);
  const x = xKey(randomBytes(32));
  return {
    info: { slug, label: slug, peerId: bytesToHex(randomBytes(16)), masterPublicKey: bytesToHex(masterPublicKey) },
    masterPublicKey,
    sign: (message) => ed25519.sign(message, seed),
    x25519: x,
    friendX25519: () => xKey(randomBytes(32)),
    atRestKey: randomBytes(32),
  };
}

function xKey(secret: Uint8Array): X25519Key {
  return { publicKey: x25519.getPublicKey(secret), sharedSecret: (theirs) => x25519.getSharedSecret(secret, theirs) };
}

/** A persona gate a test switches by hand (unlock, switch, lock). */
export class TestGate implements PersonaGate {
  readonly #changes = new EventEmitter<ActivePersona | undefined>();
  readonly onDidChangeActive = this.#changes.event;
  active: ActivePersona | undefined;

  set(persona: ActivePersona | undefined): void {
    this.active = persona;
    this.#changes.fire(persona);
  }
}
