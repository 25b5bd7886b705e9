import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { open, seal } from './aead.js';

/**
 * Noise_KK_25519_ChaChaPoly_SHA256 (noiseprotocol.org, rev 34): both sides know each other's
 * static key from the friendship, so the first message (the HELLO) is already authenticated by
 * `ss` and the handshake completes in one round trip:
 *
 *   -> s            (pre-message)
 *   <- s            (pre-message)
 *   -> e, es, ss    HELLO
 *   <- e, ee, se    HELLO-ACK
 *
 * Ephemeral keys give forward secrecy; the static private keys stay inside the identity module
 * (we only call their `sharedSecret`). Pure: no I/O, no clocks.
 */
export const PROTOCOL_NAME = 'Noise_KK_25519_ChaChaPoly_SHA256';
export const KITH_PROLOGUE = Buffer.from('kith/net/v1', 'utf8');

/** A static key whose private half lives elsewhere. */
export interface StaticKey {
  readonly publicKey: Uint8Array;
  sharedSecret(theirPublicKey: Uint8Array): Uint8Array;
}

/** An ephemeral X25519 key, held by node:crypto (about 40x faster than JavaScript here). */
export interface EphemeralKey {
  readonly publicKey: Uint8Array;
  /** Raw X25519 with `theirPublicKey`; throws on a low-order point (all-zero result). */
  dh(theirPublicKey: Uint8Array): Uint8Array;
}

const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function wrapEphemeral(privateKey: KeyObject): EphemeralKey {
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
  return {
    publicKey,
    dh(theirPublicKey) {
      if (theirPublicKey.length !== 32) throw new RangeError('an X25519 public key is 32 bytes');
      const their = createPublicKey({ key: Buffer.concat([SPKI_X25519, theirPublicKey]), format: 'der', type: 'spki' });
      const shared = diffieHellman({ privateKey, publicKey: their });
      if (shared.every((b) => b === 0)) throw new RangeError('low-order X25519 point');
      return shared;
    },
  };
}

export function generateEphemeral(): EphemeralKey {
  return wrapEphemeral(generateKeyPairSync('x25519').privateKey);
}

/** An ephemeral from a raw 32-byte private key (test vectors). */
export function ephemeralFromPrivate(privateKey: Uint8Array): EphemeralKey {
  return wrapEphemeral(createPrivateKey({ key: Buffer.concat([PKCS8_X25519, privateKey]), format: 'der', type: 'pkcs8' }));
}

/** Transport keys after Split(). */
export interface TransportKeys {
  readonly send: Buffer;
  readonly receive: Buffer;
  /** The handshake hash: a unique, authenticated id of this handshake (channel binding). */
  readonly handshakeHash: Buffer;
}

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return hash.digest();
}

function hkdf(chainingKey: Uint8Array, input: Uint8Array): [Buffer, Buffer] {
  const temp = createHmac('sha256', chainingKey).update(input).digest();
  const out1 = createHmac('sha256', temp).update(Buffer.of(1)).digest();
  const out2 = createHmac('sha256', temp).update(out1).update(Buffer.of(2)).digest();
  return [out1, out2];
}

/** Noise SymmetricState. */
class SymmetricState {
  h: Buffer;
  ck: Buffer;
  k: Buffer | undefined;
  n = 0;

  constructor(prologue: Uint8Array) {
    const name = Buffer.from(PROTOCOL_NAME, 'utf8');
    this.h = name.length <= 32 ? Buffer.concat([name, Buffer.alloc(32 - name.length)]) : sha256(name);
    this.ck = this.h;
    this.mixHash(prologue);
  }

  mixHash(data: Uint8Array): void {
    this.h = sha256(this.h, data);
  }

  mixKey(input: Uint8Array): void {
    const [ck, k] = hkdf(this.ck, input);
    this.ck = ck;
    this.k = k;
    this.n = 0;
  }

  encryptAndHash(plaintext: Uint8Array): Buffer {
    const ciphertext = this.k ? seal(this.k, this.n++, this.h, plaintext) : Buffer.from(plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Buffer | undefined {
    const plaintext = this.k ? open(this.k, this.n, this.h, ciphertext) : Buffer.from(ciphertext);
    if (!plaintext) return undefined;
    if (this.k) this.n++;
    this.mixHash(ciphertext);
    return plaintext;
  }

  split(initiator: boolean): TransportKeys {
    const [k1, k2] = hkdf(this.ck, Buffer.alloc(0));
    return initiator
      ? { send: k1, receive: k2, handshakeHash: this.h }
      : { send: k2, receive: k1, handshakeHash: this.h };
  }
}

/** The initiator's state between sending the HELLO and reading the HELLO-ACK. */
export interface KkInitiator {
  readonly ephemeral: EphemeralKey;
  /** The HELLO body: e (32) || encrypted payload. */
  readonly message: Buffer;
  /** Read the HELLO-ACK body (e || encrypted payload); undefined when it does not authenticate. */
  readMessage2(body: Uint8Array): { keys: TransportKeys; payload: Buffer } | undefined;
}

export function kkInitiate(options: {
  localStatic: StaticKey;
  remoteStatic: Uint8Array;
  payload: Uint8Array;
  prologue?: Uint8Array;
  ephemeral?: EphemeralKey;
}): KkInitiator {
  const state = new SymmetricState(options.prologue ?? KITH_PROLOGUE);
  state.mixHash(options.localStatic.publicKey);
  state.mixHash(options.remoteStatic);
  const e = options.ephemeral ?? generateEphemeral();
  state.mixHash(e.publicKey);
  state.mixKey(e.dh(options.remoteStatic));
  state.mixKey(options.localStatic.sharedSecret(options.remoteStatic));
  const message = Buffer.concat([e.publicKey, state.encryptAndHash(options.payload)]);
  return {
    ephemeral: e,
    message,
    readMessage2(body) {
      if (body.length < 32 + 16) return undefined;
      const s = cloneState(state);
      const re = body.subarray(0, 32);
      try {
        s.mixHash(re);
        s.mixKey(e.dh(re));
        s.mixKey(options.localStatic.sharedSecret(re));
      } catch {
        return undefined;
      }
      const payload = s.decryptAndHash(body.subarray(32));
      if (!payload) return undefined;
      return { keys: s.split(true), payload };
    },
  };
}

/** The responder reads a HELLO body; on success it can answer with a HELLO-ACK. */
export function kkRespond(options: {
  localStatic: StaticKey;
  remoteStatic: Uint8Array;
  message: Uint8Array;
  prologue?: Uint8Array;
  ephemeral?: EphemeralKey;
}): { payload: Buffer; answer(payload: Uint8Array): { message: Buffer; keys: TransportKeys } } | undefined {
  if (options.message.length < 32 + 16) return undefined;
  const state = new SymmetricState(options.prologue ?? KITH_PROLOGUE);
  state.mixHash(options.remoteStatic);
  state.mixHash(options.localStatic.publicKey);
  const re = options.message.subarray(0, 32);
  try {
    state.mixHash(re);
    state.mixKey(options.localStatic.sharedSecret(re));
    state.mixKey(options.localStatic.sharedSecret(options.remoteStatic));
  } catch {
    return undefined;
  }
  const payload = state.decryptAndHash(options.message.subarray(32));
  if (!payload) return undefined;
  return {
    payload,
    answer(answerPayload) {
      const e = options.ephemeral ?? generateEphemeral();
      state.mixHash(e.publicKey);
      state.mixKey(e.dh(re));
      state.mixKey(e.dh(options.remoteStatic));
      const message = Buffer.concat([e.publicKey, state.encryptAndHash(answerPayload)]);
      return { message, keys: state.split(false) };
    },
  };
}

function cloneState(state: SymmetricState): SymmetricState {
  const copy = Object.create(SymmetricState.prototype) as SymmetricState;
  copy.h = state.h;
  copy.ck = state.ck;
  copy.k = state.k;
  copy.n = state.n;
  return copy;
}
