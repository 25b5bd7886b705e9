import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { KithError } from '@kith/sdk';

/**
 * At-rest sealing: XChaCha20-Poly1305 with a random 24-byte nonce per message.
 *
 * Bytes:  `0x01 | nonce(24) | ciphertext | tag(16)`
 * Text:   `kith:seal:v1:` + base64url(`nonce(24) | ciphertext | tag(16)`)
 *
 * The version is bound into the AEAD as associated data, so a v1 body cannot be replayed under a
 * future version. XChaCha is computed as HChaCha20 (noble) + node:crypto's ChaCha20-Poly1305,
 * which is several times faster than the pure-JS AEAD (FACTS.md); the test checks both agree.
 */
export const SEAL_TEXT_PREFIX = 'kith:seal:v1:';
export const SEAL_BYTES_VERSION = 0x01;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const AAD = new TextEncoder().encode('kith:seal:v1');
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/** Smallest sealed byte string (empty plaintext). */
export const SEAL_BYTES_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

/** Seal `plaintext` with a 32-byte key. */
export function sealBytes(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const body = xchachaSeal(key, nonce, plaintext);
  const out = new Uint8Array(1 + NONCE_BYTES + body.length);
  out[0] = SEAL_BYTES_VERSION;
  out.set(nonce, 1);
  out.set(body, 1 + NONCE_BYTES);
  return out;
}

/** Open what {@link sealBytes} produced; throws `KITH_ERR_SEAL_INVALID` on any damage or wrong key. */
export function openBytes(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_BYTES_OVERHEAD) throw invalid('too short');
  if (sealed[0] !== SEAL_BYTES_VERSION) throw invalid(`unknown version ${sealed[0]}`);
  return xchachaOpen(key, sealed.subarray(1, 1 + NONCE_BYTES), sealed.subarray(1 + NONCE_BYTES));
}

/** Seal a string to `kith:seal:v1:<base64url>`. */
export function sealText(key: Uint8Array, text: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const body = xchachaSeal(key, nonce, Buffer.from(text, 'utf8'));
  return SEAL_TEXT_PREFIX + Buffer.concat([nonce, body]).toString('base64url');
}

/** Open what {@link sealText} produced. */
export function openText(key: Uint8Array, sealed: string): string {
  if (typeof sealed !== 'string' || !sealed.startsWith(SEAL_TEXT_PREFIX)) throw invalid('missing kith:seal:v1: prefix');
  const encoded = sealed.slice(SEAL_TEXT_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw invalid('not base64url');
  const raw = Buffer.from(encoded, 'base64url');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw invalid('too short');
  return Buffer.from(xchachaOpen(key, raw.subarray(0, NONCE_BYTES), raw.subarray(NONCE_BYTES))).toString('utf8');
}

/** True when `value` looks like a sealed text (does not check that it opens). */
export function isSealedText(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEAL_TEXT_PREFIX);
}

/** Longest value {@link keyedTag} hashes. */
export const MAX_TAGGED_BYTES = 64 * 1024;

/**
 * `ctx.sealing.tag`: HMAC-SHA256(value) under HMAC-SHA256(atRestKey, "kith:ext-tag:v1" | 0 |
 * extension id), base64url. Lets an extension find rows by a secret (a friend's key) without
 * storing it; the per-extension key keeps one extension's tags from matching another's, and the
 * at-rest key keeps personas apart (host tables use storage/peer-tag.ts, another label).
 */
export function keyedTag(atRestKey: Uint8Array, extensionId: string, value: string | Uint8Array): string {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw new KithError('KITH_ERR_BAD_REQUEST', 'tag() takes a string or bytes');
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (bytes.length > MAX_TAGGED_BYTES) throw new KithError('KITH_ERR_BAD_REQUEST', `tag() takes at most ${MAX_TAGGED_BYTES} bytes`);
  const tagKey = extensionTagKey(atRestKey, extensionId);
  try {
    return createHmac('sha256', tagKey).update(bytes).digest('base64url');
  } finally {
    tagKey.fill(0);
  }
}

/**
 * The key `ctx.sealing` seals with: HKDF-SHA256(ikm: the persona's at-rest key, salt: empty,
 * info: "kith:ext-seal:v1" | 0 | extension id). Each extension of each persona gets its own key,
 * so one extension cannot open what another sealed even with the bytes in hand. Data sealed
 * before this key existed (under the at-rest key itself) is re-sealed once per extension and
 * persona (identity/legacy-reseal.ts). The caller zeroes the result after use.
 */
export function extensionSealingKey(atRestKey: Uint8Array, extensionId: string): Uint8Array {
  if (typeof extensionId !== 'string' || extensionId.length === 0 || extensionId.length > 64) throw new RangeError('not an extension id');
  return new Uint8Array(hkdfSync('sha256', atRestKey, new Uint8Array(0), `kith:ext-seal:v1\u0000${extensionId}`, 32));
}

/** The key {@link keyedTag} hashes under; the extension host gets it to compute tags itself. */
export function extensionTagKey(atRestKey: Uint8Array, extensionId: string): Buffer {
  return createHmac('sha256', atRestKey).update(`kith:ext-tag:v1\u0000${extensionId}`).digest();
}

/** `ciphertext | tag` of XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with the v1 AAD. */
function xchachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const { subkey, chachaNonce } = derive(key, nonce);
  const cipher = createCipheriv('chacha20-poly1305', subkey, chachaNonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(AAD, { plaintextLength: plaintext.length });
  const out = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  subkey.fill(0);
  return out;
}

function xchachaOpen(key: Uint8Array, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  if (body.length < TAG_BYTES) throw invalid('too short');
  const { subkey, chachaNonce } = derive(key, nonce);
  try {
    const decipher = createDecipheriv('chacha20-poly1305', subkey, chachaNonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD, { plaintextLength: body.length - TAG_BYTES });
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
  } catch {
    throw invalid('authentication failed');
  } finally {
    subkey.fill(0);
  }
}

/** HChaCha20(key, nonce[0..16]) → subkey; ChaCha nonce = 4 zero bytes | nonce[16..24]. */
function derive(key: Uint8Array, nonce: Uint8Array): { subkey: Buffer; chachaNonce: Buffer } {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError('sealing key must be 32 bytes');
  const k = littleEndianWords(key);
  const n = littleEndianWords(nonce.subarray(0, 16));
  const out = new Uint32Array(8);
  hchacha(SIGMA, k, n, out);
  k.fill(0);
  const subkey = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) subkey.writeUInt32LE(out[i]!, i * 4);
  out.fill(0);
  const chachaNonce = Buffer.alloc(12);
  chachaNonce.set(nonce.subarray(16, 24), 4);
  return { subkey, chachaNonce };
}

function littleEndianWords(bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

function invalid(reason: string): KithError {
  return new KithError('KITH_ERR_SEAL_INVALID', undefined, { reason });
}
