import sodium from 'sodium-native';

/**
 * ChaCha20-Poly1305 (RFC 8439) from libsodium (sodium-native): the per-packet hot path. One call
 * per packet with no per-call objects is about 3x cheaper than node:crypto's createCipheriv for a
 * 1200-byte datagram (docs/dependencies.md). Nonce: 4 zero bytes + 64-bit little-endian counter,
 * as Noise specifies.
 */
export const AEAD_TAG_BYTES = 16;

/** Scratch nonce: sealing and opening are synchronous, so one buffer serves every call. */
const scratchNonce = Buffer.alloc(12);

export function nonceFor(counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  writeNonce(nonce, counter);
  return nonce;
}

function writeNonce(nonce: Buffer, counter: number): void {
  nonce.writeUInt32LE(counter >>> 0, 4);
  nonce.writeUInt32LE(Math.floor(counter / 0x1_0000_0000), 8);
}

/** Seal `plaintext` into a new buffer: ciphertext || tag. */
export function seal(key: Uint8Array, counter: number, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + AEAD_TAG_BYTES);
  writeNonce(scratchNonce, counter);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, aad, null, scratchNonce, key);
  return out;
}

/**
 * Seal in place: `buffer` holds the plaintext from `start` and {@link AEAD_TAG_BYTES} spare bytes
 * at its end; afterwards it holds ciphertext || tag there. `aad` may be a view of the same buffer
 * before `start` (a packet header), so a datagram is built and sealed without a copy.
 */
export function sealInPlace(key: Uint8Array, counter: number, aad: Uint8Array, buffer: Buffer, start: number): void {
  writeNonce(scratchNonce, counter);
  const plaintext = buffer.subarray(start, buffer.length - AEAD_TAG_BYTES);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(buffer.subarray(start), plaintext, aad, null, scratchNonce, key);
}

/** Open ciphertext || tag into a new buffer; undefined when authentication fails. */
export function open(key: Uint8Array, counter: number, aad: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < AEAD_TAG_BYTES) return undefined;
  // Not from the pool: the bus keeps views of this buffer (payloads handed to handlers).
  const out = Buffer.allocUnsafeSlow(sealed.length - AEAD_TAG_BYTES);
  return decryptInto(out, key, counter, aad, sealed) ? out : undefined;
}

/**
 * Open ciphertext || tag where it lies: the plaintext overwrites the ciphertext and a view of it
 * is returned (undefined when authentication fails; the bytes are then unusable). For buffers the
 * caller owns and will not read again, such as a received datagram: no allocation per packet.
 */
export function openInPlace(key: Uint8Array, counter: number, aad: Uint8Array, sealed: Buffer): Buffer | undefined {
  if (sealed.length < AEAD_TAG_BYTES) return undefined;
  const out = sealed.subarray(0, sealed.length - AEAD_TAG_BYTES);
  return decryptInto(out, key, counter, aad, sealed) ? out : undefined;
}

function decryptInto(out: Buffer, key: Uint8Array, counter: number, aad: Uint8Array, sealed: Uint8Array): boolean {
  writeNonce(scratchNonce, counter);
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, aad, scratchNonce, key);
    return true;
  } catch {
    return false;
  }
}
