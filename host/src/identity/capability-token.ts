import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { KithError } from '@kith/sdk';

/** Who signs a token: an Ed25519 public key and a signing operation (the secret stays with the signer). */
export interface TokenSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A verified token. */
export interface VerifiedToken<P = Record<string, unknown>> {
  /** Hex of the issuer's Ed25519 public key. */
  readonly issuer: string;
  /** Unix ms. */
  readonly issuedAt: number;
  /** Unix ms; the token is refused from this moment on. */
  readonly expiresAt: number;
  readonly payload: P;
}

/** Text prefix of a capability token. */
export const CAPABILITY_PREFIX = 'kith:cap:v1:';
/** Longest token text accepted, checked before anything is decoded. */
export const MAX_TOKEN_CHARS = 4096;
const DOMAIN = new TextEncoder().encode('kith:cap:v1\n');

/**
 * Sign `payload` (plain JSON data) until `expiresAt`. Wire form: `<prefix>` + base64url of
 * `u16 body length | body (JSON: iss, iat, exp, cap) | Ed25519 signature(64)`, the signature
 * covering a domain tag and the body.
 */
export function signToken(
  signer: TokenSigner,
  payload: Readonly<Record<string, unknown>>,
  options: { readonly expiresAt: number; readonly now?: number; readonly prefix?: string },
): string {
  const now = options.now ?? Date.now();
  if (!Number.isSafeInteger(options.expiresAt) || options.expiresAt <= now) throw new RangeError('expiresAt must be a future Unix ms time');
  const body = new TextEncoder().encode(
    JSON.stringify({ iss: bytesToHex(signer.publicKey), iat: now, exp: options.expiresAt, cap: payload }),
  );
  if (body.length > 0xffff) throw new RangeError('token payload too large');
  const signature = signer.sign(concat(DOMAIN, body));
  const raw = new Uint8Array(2 + body.length + signature.length);
  new DataView(raw.buffer).setUint16(0, body.length);
  raw.set(body, 2);
  raw.set(signature, 2 + body.length);
  const text = (options.prefix ?? CAPABILITY_PREFIX) + Buffer.from(raw).toString('base64url');
  if (text.length > MAX_TOKEN_CHARS) throw new RangeError('token too large');
  return text;
}

/**
 * Verify a token's signature (against the issuer it names), its expiry, and, when `issuer` is
 * given, that this key issued it. Throws `KITH_ERR_TOKEN_INVALID` with `details.reason`
 * (`malformed`, `forged`, `wrong-key`, `expired`).
 */
export function verifyToken<P = Record<string, unknown>>(
  token: string,
  options: { readonly issuer?: Uint8Array; readonly now?: number; readonly prefix?: string } = {},
): VerifiedToken<P> {
  const prefix = options.prefix ?? CAPABILITY_PREFIX;
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !token.startsWith(prefix)) throw invalid('malformed');
  const encoded = token.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw invalid('malformed');
  const raw = new Uint8Array(Buffer.from(encoded, 'base64url'));
  if (raw.length < 2 + 64) throw invalid('malformed');
  const bodyLength = new DataView(raw.buffer, raw.byteOffset).getUint16(0);
  if (raw.length !== 2 + bodyLength + 64) throw invalid('malformed');
  const body = raw.subarray(2, 2 + bodyLength);
  const signature = raw.subarray(2 + bodyLength);
  let parsed: { iss?: unknown; iat?: unknown; exp?: unknown; cap?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw invalid('malformed');
  }
  const { iss, iat, exp, cap } = parsed ?? {};
  if (typeof iss !== 'string' || !/^[0-9a-f]{64}$/.test(iss) || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) ||
      typeof cap !== 'object' || cap === null || Array.isArray(cap)) {
    throw invalid('malformed');
  }
  const issuerKey = hexToBytes(iss);
  let valid = false;
  try {
    valid = ed25519.verify(signature, concat(DOMAIN, body), issuerKey);
  } catch {
    valid = false;
  }
  if (!valid) throw invalid('forged');
  if (options.issuer && bytesToHex(options.issuer) !== iss) throw invalid('wrong-key');
  if ((options.now ?? Date.now()) >= (exp as number)) throw invalid('expired');
  return { issuer: iss, issuedAt: iat as number, expiresAt: exp as number, payload: cap as P };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function invalid(reason: string): KithError {
  return new KithError('KITH_ERR_TOKEN_INVALID', undefined, { reason });
}
