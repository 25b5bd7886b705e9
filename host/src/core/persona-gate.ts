import type { Event, PersonaInfo } from '@kith/sdk';

/** An X25519 key pair held by the identity module; the private half never leaves it. */
export interface X25519Key {
  readonly publicKey: Uint8Array;
  /** Raw X25519 shared secret with `theirPublicKey` (hash it before use as a key). */
  sharedSecret(theirPublicKey: Uint8Array): Uint8Array;
}

/**
 * The unlocked, active persona as the rest of the host sees it. Secrets stay inside the identity
 * module; other modules get public keys, derived keys and operations, never the seed.
 */
export interface ActivePersona {
  readonly info: PersonaInfo;
  /** Ed25519 master public key (32 bytes); `info.masterPublicKey` is its hex. */
  readonly masterPublicKey: Uint8Array;
  /** Sign with the Ed25519 master key. */
  sign(message: Uint8Array): Uint8Array;
  /** The persona's own static X25519 key (used where no friendship exists yet). */
  readonly x25519: X25519Key;
  /** The X25519 key derived for one friend (HKDF keyed by the friend's master public key). */
  friendX25519(friendMasterPublicKey: Uint8Array): X25519Key;
  /** 32-byte symmetric at-rest key for sealing (SDK `ctx.sealing`). */
  readonly atRestKey: Uint8Array;
}

/** Who is unlocked and active. The lock gate, the extension manager and the bus watch this. */
export interface PersonaGate {
  /** The active unlocked persona, or undefined while Kith is locked. */
  readonly active: ActivePersona | undefined;
  /** Fires after unlock, persona switch and lock (with undefined). */
  readonly onDidChangeActive: Event<ActivePersona | undefined>;
}
