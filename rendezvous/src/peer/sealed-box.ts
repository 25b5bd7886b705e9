import { x25519 } from '@noble/curves/ed25519.js';
import { hsalsa, xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';

/**
 * libsodium's sealed box (`crypto_box_seal`), built from noble primitives:
 *   ephemeral X25519 key pair (esk, epk) per message (so every publish is forward-secret),
 *   k = HSalsa20(X25519(esk, pk), 0^16)          (= crypto_box_beforenm)
 *   nonce = BLAKE2b-192(epk || pk)
 *   sealed = epk || XSalsa20-Poly1305(k, nonce, m) (MAC first, as crypto_box_easy)
 * Interoperability with libsodium is tested both ways (rendezvous/test/sealed-box.test.ts).
 */

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"
export const SEALED_BOX_OVERHEAD = 32 + 16;

/** `crypto_box_beforenm`: the XSalsa20-Poly1305 key from a raw X25519 shared secret. */
export function boxKeyFromSharedSecret(shared: Uint8Array): Uint8Array {
  if (shared.length !== 32) throw new RangeError('an X25519 shared secret is 32 bytes');
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(Uint8Array.from(shared).buffer), new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}

function sealNonce(epk: Uint8Array, recipient: Uint8Array): Uint8Array {
  return blake2b(concatBytes(epk, recipient), { dkLen: 24 });
}

/** Seal `message` to `recipientPublicKey` (32-byte X25519). */
export function sealBox(message: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  if (recipientPublicKey.length !== 32) throw new RangeError('an X25519 public key is 32 bytes');
  const esk = randomBytes(32);
  const epk = x25519.getPublicKey(esk);
  const key = boxKeyFromSharedSecret(x25519.getSharedSecret(esk, recipientPublicKey));
  esk.fill(0);
  const sealed = xsalsa20poly1305(key, sealNonce(epk, recipientPublicKey)).encrypt(message);
  key.fill(0);
  return concatBytes(epk, sealed);
}

/**
 * Open a sealed box addressed to `recipientPublicKey`. The private key never comes here: the caller
 * passes `sharedSecret(epk)` (the identity module computes X25519 with the key it holds).
 * Returns null when the box is malformed or not for this key.
 */
export function openBox(
  sealed: Uint8Array,
  recipientPublicKey: Uint8Array,
  sharedSecret: (theirPublicKey: Uint8Array) => Uint8Array,
): Uint8Array | null {
  if (sealed.length < SEALED_BOX_OVERHEAD) return null;
  const epk = sealed.subarray(0, 32);
  try {
    const key = boxKeyFromSharedSecret(sharedSecret(epk));
    const opened = xsalsa20poly1305(key, sealNonce(epk, recipientPublicKey)).decrypt(sealed.subarray(32));
    key.fill(0);
    return opened;
  } catch {
    return null;
  }
}
