import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { signToken, verifyToken, type TokenSigner } from './capability-token.js';

/**
 * A time-bounded burner sub-identity: an Ed25519 key valid for one time window, derived from the
 * persona's burner root and the window's index (so it needs no stored counter), and a certificate
 * the master key signed that says so. Peers that only ever see burners cannot link two windows.
 */
export interface Burner {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Unix ms, inclusive. */
  readonly notBefore: number;
  /** Unix ms, exclusive: the certificate expires then. */
  readonly notAfter: number;
  /** Capability token (`kith:cap:v1:`) by the master key: `{ type: 'burner', burner, nbf }`. */
  readonly certificate: string;
}

/** Default window: one day. */
export const BURNER_PERIOD_MS = 24 * 60 * 60 * 1000;

/** The burner for the window containing `at`. */
export function deriveBurner(
  burnerRoot: Uint8Array,
  master: TokenSigner,
  options: { readonly at?: number; readonly periodMs?: number } = {},
): Burner {
  const periodMs = options.periodMs ?? BURNER_PERIOD_MS;
  if (!Number.isSafeInteger(periodMs) || periodMs < 1000) throw new RangeError('periodMs must be at least 1000');
  const at = options.at ?? Date.now();
  const window = Math.floor(at / periodMs);
  const salt = new Uint8Array(16);
  const view = new DataView(salt.buffer);
  view.setBigUint64(0, BigInt(window));
  view.setBigUint64(8, BigInt(periodMs));
  const secretKey = hkdf(sha256, burnerRoot, salt, new TextEncoder().encode('kith:burner:ed25519'), 32);
  const publicKey = ed25519.getPublicKey(secretKey);
  const notBefore = window * periodMs;
  const notAfter = notBefore + periodMs;
  const certificate = signToken(master, { type: 'burner', burner: bytesToHex(publicKey), nbf: notBefore }, {
    expiresAt: notAfter,
    now: Math.min(at, notAfter - 1),
  });
  return { secretKey, publicKey, notBefore, notAfter, certificate };
}

/** Check a burner certificate against the persona's master key; returns the burner public key. */
export function verifyBurner(certificate: string, masterPublicKey: Uint8Array, now = Date.now()): Uint8Array {
  const token = verifyToken<{ type?: unknown; burner?: unknown; nbf?: unknown }>(certificate, { issuer: masterPublicKey, now });
  const { type, burner, nbf } = token.payload;
  if (type !== 'burner' || typeof burner !== 'string' || !/^[0-9a-f]{64}$/.test(burner) || typeof nbf !== 'number' || now < nbf) {
    throw new RangeError('not a valid burner certificate for this time');
  }
  return hexToBytes(burner);
}
