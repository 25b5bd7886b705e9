// The XChaCha20-Poly1305 part of sodium-native the blob store uses (merges with net/sodium-native.d.ts).
declare module 'sodium-native' {
  /** Bytes written to `c`: m.length + 16. */
  export function crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array,
  ): number;
  /** Bytes written to `m`; throws when the tag does not authenticate. */
  export function crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array,
  ): number;
  export function randombytes_buf(buffer: Uint8Array): void;
}
