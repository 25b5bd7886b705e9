// The part of sodium-native (libsodium bindings) Kith uses; the package ships no types of its own.
// The session AEAD (net/) and the blob store's chunk AEAD (blobs/) both come from here.
declare module 'sodium-native' {
  /** Bytes written to `c`: m.length + 16. */
  export function crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array,
  ): number;
  /** Bytes written to `m`; throws when the tag does not authenticate. */
  export function crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array,
  ): number;
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
