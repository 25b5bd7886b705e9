import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/**
 * Keys derived from a persona's BIP39 seed. Every key is HKDF-SHA256 of the seed with its own
 * label, so no key reveals another and no counter has to be stored. The seed itself is dropped
 * once these are derived: the roots kept here are enough for per-friend and burner keys.
 */
export interface PersonaKeys {
  /** Ed25519 master secret (32 bytes). */
  readonly masterSecret: Uint8Array;
  readonly masterPublicKey: Uint8Array;
  /** The persona's own static X25519 secret. */
  readonly x25519Secret: Uint8Array;
  readonly x25519PublicKey: Uint8Array;
  /** Symmetric key for sealing data at rest. */
  readonly atRestKey: Uint8Array;
  /** Root of the per-friend X25519 keys. */
  readonly friendRoot: Uint8Array;
  /** Root of the burner sub-identities. */
  readonly burnerRoot: Uint8Array;
}

const SALT = new TextEncoder().encode('kith:v1');
const encoder = new TextEncoder();

function derive(ikm: Uint8Array, salt: Uint8Array, label: string): Uint8Array {
  return hkdf(sha256, ikm, salt, encoder.encode(label), 32);
}

/** Derive all of a persona's keys from its 64-byte BIP39 seed. */
export function derivePersonaKeys(seed: Uint8Array): PersonaKeys {
  if (seed.length !== 64) throw new RangeError('a BIP39 seed is 64 bytes');
  const masterSecret = derive(seed, SALT, 'kith:ed25519:master');
  const x25519Secret = derive(seed, SALT, 'kith:x25519:persona');
  return {
    masterSecret,
    masterPublicKey: ed25519.getPublicKey(masterSecret),
    x25519Secret,
    x25519PublicKey: x25519.getPublicKey(x25519Secret),
    atRestKey: derive(seed, SALT, 'kith:at-rest'),
    friendRoot: derive(seed, SALT, 'kith:x25519:friend-root'),
    burnerRoot: derive(seed, SALT, 'kith:burner-root'),
  };
}

/**
 * The X25519 secret this persona uses towards one friend: HKDF keyed (salted) by the friend's
 * 32-byte master public key. Deterministic, so it is recomputed rather than stored.
 */
export function friendX25519Secret(friendRoot: Uint8Array, friendMasterPublicKey: Uint8Array): Uint8Array {
  if (friendMasterPublicKey.length !== 32) throw new RangeError('a master public key is 32 bytes');
  return derive(friendRoot, friendMasterPublicKey, 'kith:x25519:friend');
}

/** Zero every secret buffer of `keys` (public keys stay). */
export function wipePersonaKeys(keys: PersonaKeys): void {
  for (const secret of [keys.masterSecret, keys.x25519Secret, keys.atRestKey, keys.friendRoot, keys.burnerRoot]) {
    secret.fill(0);
  }
}

/** Parse a 64-hex-character peer key (Ed25519 master public key). */
export function peerKeyBytes(peer: string): Uint8Array {
  if (typeof peer !== 'string' || !/^[0-9a-f]{64}$/.test(peer)) throw new RangeError('a peer key is 64 lowercase hex characters');
  return hexToBytes(peer);
}

export function peerKeyHex(key: Uint8Array): string {
  return bytesToHex(key);
}
