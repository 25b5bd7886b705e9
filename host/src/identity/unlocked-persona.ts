import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { KithError, type PersonaInfo } from '@kith/sdk';
import type { ActivePersona, X25519Key } from '../core/persona-gate.js';
import { friendX25519Secret, wipePersonaKeys, type PersonaKeys } from './persona-keys.js';
import { deriveBurner, type Burner } from './burner.js';
import type { TokenSigner } from './capability-token.js';
import type { PersonaProfile } from './persona-directory.js';

/**
 * A persona whose vault is open. It holds derived keys only (the seed is dropped after
 * derivation) and zeroes them on {@link wipe}; after that every operation throws `KITH_ERR_LOCKED`.
 */
export class UnlockedPersona implements ActivePersona {
  readonly info: PersonaInfo;
  readonly masterPublicKey: Uint8Array;
  readonly x25519: X25519Key;
  readonly #keys: PersonaKeys;
  /** Per-friend keys, kept so they can be zeroed on lock (bounded: one per friend). */
  readonly #friendKeys = new Map<string, X25519Key & { secret: Uint8Array }>();
  #wiped = false;

  constructor(profile: PersonaProfile, keys: PersonaKeys) {
    this.#keys = keys;
    this.masterPublicKey = keys.masterPublicKey;
    this.info = Object.freeze({
      slug: profile.slug,
      label: profile.label,
      peerId: profile.peer_id,
      masterPublicKey: bytesToHex(keys.masterPublicKey),
    });
    this.x25519 = this.#x25519Key(keys.x25519Secret);
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  get atRestKey(): Uint8Array {
    this.#check();
    return this.#keys.atRestKey;
  }

  sign(message: Uint8Array): Uint8Array {
    this.#check();
    return ed25519.sign(message, this.#keys.masterSecret);
  }

  friendX25519(friendMasterPublicKey: Uint8Array): X25519Key {
    this.#check();
    const id = bytesToHex(friendMasterPublicKey);
    let key = this.#friendKeys.get(id);
    if (!key) {
      const secret = friendX25519Secret(this.#keys.friendRoot, friendMasterPublicKey);
      key = { ...this.#x25519Key(secret), secret };
      if (this.#friendKeys.size >= 10_000) this.#forgetOldestFriendKey();
      this.#friendKeys.set(id, key);
    }
    return { publicKey: key.publicKey, sharedSecret: key.sharedSecret };
  }

  /** The master key as a token signer (capability tokens, invites). */
  get signer(): TokenSigner {
    return { publicKey: this.masterPublicKey, sign: (m) => this.sign(m) };
  }

  /** This persona's burner sub-identity for the window containing `at`. */
  burner(options: { at?: number; periodMs?: number } = {}): Burner {
    this.#check();
    return deriveBurner(this.#keys.burnerRoot, this.signer, options);
  }

  /** Zero every secret; the object is useless afterwards. */
  wipe(): void {
    this.#wiped = true;
    wipePersonaKeys(this.#keys);
    for (const key of this.#friendKeys.values()) key.secret.fill(0);
    this.#friendKeys.clear();
  }

  #forgetOldestFriendKey(): void {
    const [oldest] = this.#friendKeys.keys();
    if (oldest === undefined) return;
    this.#friendKeys.get(oldest)!.secret.fill(0);
    this.#friendKeys.delete(oldest);
  }

  #x25519Key(secret: Uint8Array): X25519Key {
    const publicKey = x25519.getPublicKey(secret);
    return {
      publicKey,
      sharedSecret: (theirPublicKey: Uint8Array) => {
        this.#check();
        return x25519.getSharedSecret(secret, theirPublicKey);
      },
    };
  }

  #check(): void {
    if (this.#wiped) throw new KithError('KITH_ERR_LOCKED', `Persona "${this.info.slug}" is locked`);
  }
}
