import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KithError } from '@kith/sdk';
import { removeStaleTemps, writeFileAtomic } from '../storage/atomic-write.js';

/**
 * `identity.enc`, the passphrase-sealed vault of one persona's mnemonic entropy.
 *
 *   magic "KITHVT" | version u8 (1) | header length u16 BE | header (JSON) | nonce (24) |
 *   XChaCha20-Poly1305 ciphertext+tag | SHA-256 of everything before it (32)
 *
 * The header names the KDF and its parameters (argon2id m/t/p and salt), so they can be raised
 * later without a format change; it is bound to the ciphertext as associated data. The trailing
 * checksum tells damage (`KITH_ERR_VAULT_CORRUPT`) apart from a wrong passphrase, which the AEAD
 * alone cannot.
 */
export interface VaultKdfParams {
  /** Memory in KiB. */
  readonly m: number;
  /** Passes. */
  readonly t: number;
  /** Lanes. */
  readonly p: number;
}

/** What Kith writes: 64 MiB, 3 passes, 1 lane (about 0.3 s per unlock on the 2-core dev machine). */
export const DEFAULT_VAULT_KDF: VaultKdfParams = { m: 64 * 1024, t: 3, p: 1 };
/**
 * Bounds for reading and writing a header: Kith's own setting, or a stronger one chosen on purpose
 * up to 512 MiB, 8 passes, 4 lanes, and at most 512 MiB × 4 passes of work. At that maximum one
 * unlock attempt takes about 4.5 s on the 2-core dev machine (1 GiB × 3 took 12.8 s, too long), so
 * a damaged or hostile header cannot make each attempt cost minutes or gigabytes. Argon2 needs
 * m ≥ 8·p KiB; a header below that is corrupt too (checked here, not left to argon2 to throw).
 */
export const VAULT_KDF_MAX: VaultKdfParams = { m: 512 * 1024, t: 8, p: 4 };
const KDF_BOUNDS = { m: [8, VAULT_KDF_MAX.m], t: [1, VAULT_KDF_MAX.t], p: [1, VAULT_KDF_MAX.p] } as const;
const MAX_KDF_WORK = 512 * 1024 * 4;

const MAGIC = Buffer.from('KITHVT', 'ascii');
const VERSION = 1;
const NONCE_BYTES = 24;
const CHECKSUM_BYTES = 32;
const PAYLOAD_ENTROPY = 1;
/** A vault is a few hundred bytes; anything larger is not one. */
export const MAX_VAULT_BYTES = 16 * 1024;

/** Seal 32 bytes of mnemonic entropy under `passphrase`. */
export async function sealVault(entropy: Uint8Array, passphrase: string, kdf: VaultKdfParams = DEFAULT_VAULT_KDF): Promise<Uint8Array> {
  if (entropy.length !== 32) throw new RangeError('vault entropy must be 32 bytes');
  checkKdf(kdf);
  const salt = randomBytes(16);
  const header = Buffer.from(
    JSON.stringify({ kdf: 'argon2id', v: 0x13, m: kdf.m, t: kdf.t, p: kdf.p, salt: salt.toString('base64url'), aead: 'xchacha20poly1305' }),
    'utf8',
  );
  const prefix = Buffer.alloc(MAGIC.length + 3);
  MAGIC.copy(prefix, 0);
  prefix[MAGIC.length] = VERSION;
  prefix.writeUInt16BE(header.length, MAGIC.length + 1);
  const aad = Buffer.concat([prefix, header]);
  const key = await passphraseKey(passphrase, salt, kdf);
  const nonce = randomBytes(NONCE_BYTES);
  const plaintext = new Uint8Array(33);
  plaintext[0] = PAYLOAD_ENTROPY;
  plaintext.set(entropy, 1);
  const ciphertext = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  plaintext.fill(0);
  key.fill(0);
  const body = Buffer.concat([aad, nonce, ciphertext]);
  return new Uint8Array(Buffer.concat([body, sha256(body)]));
}

/** The vault's bytes before its checksum, once size, checksum and magic hold; else `KITH_ERR_VAULT_CORRUPT`. */
function checkedBody(buf: Buffer): Buffer {
  const minimum = MAGIC.length + 3 + NONCE_BYTES + 16 + CHECKSUM_BYTES;
  if (buf.length < minimum || buf.length > MAX_VAULT_BYTES) throw corrupt('wrong size');
  const body = buf.subarray(0, buf.length - CHECKSUM_BYTES);
  if (!Buffer.from(sha256(body)).equals(buf.subarray(buf.length - CHECKSUM_BYTES))) throw corrupt('checksum mismatch');
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('not a Kith vault');
  return body;
}

/**
 * Whether `file` is a whole Kith vault (size, checksum and magic; no passphrase needed): what a
 * finished persona leaves, unlike a file a crash cut short.
 */
export function isWholeVaultFile(file: string): boolean {
  try {
    if (fs.statSync(file).size > MAX_VAULT_BYTES) return false;
    checkedBody(fs.readFileSync(file));
    return true;
  } catch {
    return false;
  }
}

/** Open a vault: its entropy and KDF parameters. Damage → `KITH_ERR_VAULT_CORRUPT`; wrong passphrase → 401. */
export async function openVault(bytes: Uint8Array, passphrase: string): Promise<{ entropy: Uint8Array; kdf: VaultKdfParams }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const body = checkedBody(buf);
  if (buf[MAGIC.length] !== VERSION) throw corrupt(`unsupported vault version ${buf[MAGIC.length]}`);
  const headerLength = buf.readUInt16BE(MAGIC.length + 1);
  const headerEnd = MAGIC.length + 3 + headerLength;
  if (headerEnd + NONCE_BYTES + 16 > body.length) throw corrupt('header overruns the file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length + 3, headerEnd).toString('utf8'));
  } catch {
    throw corrupt('unreadable header');
  }
  const kdf = { m: header.m, t: header.t, p: header.p } as VaultKdfParams;
  const salt = typeof header.salt === 'string' ? Buffer.from(header.salt, 'base64url') : Buffer.alloc(0);
  if (header.kdf !== 'argon2id' || header.v !== 0x13 || header.aead !== 'xchacha20poly1305' || salt.length < 16 || !kdfInBounds(kdf)) {
    throw corrupt('unsupported header');
  }
  const aad = buf.subarray(0, headerEnd);
  const nonce = buf.subarray(headerEnd, headerEnd + NONCE_BYTES);
  const ciphertext = body.subarray(headerEnd + NONCE_BYTES);
  const key = await passphraseKey(passphrase, salt, kdf);
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    throw new KithError('KITH_ERR_WRONG_PASSPHRASE');
  } finally {
    key.fill(0);
  }
  if (plaintext.length !== 33 || plaintext[0] !== PAYLOAD_ENTROPY) {
    plaintext.fill(0);
    throw corrupt('unknown payload');
  }
  const entropy = plaintext.slice(1);
  plaintext.fill(0);
  return { entropy, kdf };
}

/** Read and open `file`; the file is only ever read here. */
export async function readVaultFile(file: string, passphrase: string): Promise<{ entropy: Uint8Array; kdf: VaultKdfParams }> {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.size > MAX_VAULT_BYTES) throw corrupt('wrong size');
    bytes = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new KithError('KITH_ERR_NOT_FOUND', 'No vault for this persona');
    throw error;
  }
  return openVault(bytes, passphrase);
}

/** Seal and atomically replace `file` (old or new vault survives any crash). */
export async function writeVaultFile(
  file: string,
  entropy: Uint8Array,
  passphrase: string,
  kdf: VaultKdfParams = DEFAULT_VAULT_KDF,
): Promise<void> {
  const sealed = await sealVault(entropy, passphrase, kdf);
  removeStaleTemps(file);
  writeFileAtomic(file, sealed);
}

async function passphraseKey(passphrase: string, salt: Buffer, kdf: VaultKdfParams): Promise<Uint8Array> {
  const raw = await argon2.hash(Buffer.from(passphrase.normalize('NFKC'), 'utf8'), {
    type: argon2.argon2id,
    version: 0x13,
    memoryCost: kdf.m,
    timeCost: kdf.t,
    parallelism: kdf.p,
    salt,
    hashLength: 32,
    raw: true,
  });
  return new Uint8Array(raw);
}

/** Within {@link KDF_BOUNDS}, m ≥ 8·p (argon2's own rule) and m·t ≤ {@link MAX_KDF_WORK}. */
function kdfInBounds(kdf: VaultKdfParams): boolean {
  const each = (Object.keys(KDF_BOUNDS) as (keyof VaultKdfParams)[]).every((k) => {
    const v = kdf[k];
    return Number.isSafeInteger(v) && v >= KDF_BOUNDS[k][0] && v <= KDF_BOUNDS[k][1];
  });
  return each && kdf.m >= 8 * kdf.p && kdf.m * kdf.t <= MAX_KDF_WORK;
}

function checkKdf(kdf: VaultKdfParams): void {
  if (!kdfInBounds(kdf)) throw new RangeError('argon2id parameters out of bounds');
}

function corrupt(reason: string): KithError {
  return new KithError('KITH_ERR_VAULT_CORRUPT', undefined, { reason });
}
