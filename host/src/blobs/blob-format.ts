import sodium from 'sodium-native';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KithError } from '@kith/sdk';

/**
 * The sealed blob format, v1 (docs/blobs.md). A blob is two files:
 *
 * - `<id>`: a 56-byte header, then chunk slots. Header = `KITHBLOB` | version u8 | 3 zero bytes |
 *   chunk size u32 BE | nonce(24) | tag(16), the tag sealing nothing with the first 16 bytes as
 *   associated data. Slot i = nonce(24) | ciphertext(chunk size) | tag(16), only full chunks.
 * - `<id>.commit`: version u8 | nonce(24) | sealed(chunk count u64 BE | tail bytes) | tag(16):
 *   how many slots count and the partial last chunk. It is replaced atomically on every commit,
 *   so the durable blob is always whole chunks plus a whole sealed tail.
 *
 * Everything is XChaCha20-Poly1305 (random 24-byte nonces, so rewriting the tail never reuses
 * one) under a key per persona, extension and blob. The associated data names the part, the blob
 * id and the chunk index, so a chunk cannot be moved to another index or another blob.
 */
export const FORMAT_VERSION = 1;
export const CHUNK_BYTES = 64 * 1024;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 8 + 1 + 3 + 4 + NONCE_BYTES + TAG_BYTES;
/** Bytes a commit record adds to its tail. */
export const COMMIT_OVERHEAD = 1 + NONCE_BYTES + 8 + TAG_BYTES;
const MAGIC = Buffer.from('KITHBLOB', 'ascii');
const MIN_CHUNK = 4096;
const MAX_CHUNK = 1024 * 1024;

/** A blob id: 16 random bytes as lowercase hex. Extensions pass ids, never paths. */
export const BLOB_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Bytes of one slot on disk. */
export function slotBytes(chunkBytes: number): number {
  return NONCE_BYTES + chunkBytes + TAG_BYTES;
}

/** Where slot `index` starts in the chunk file. */
export function slotOffset(chunkBytes: number, index: number): number {
  return HEADER_BYTES + index * slotBytes(chunkBytes);
}

/** HKDF-SHA256(at-rest key, info "kith:blob-key:v1" 0 extension 0 blob id): one key per blob. */
export function blobKey(atRestKey: Uint8Array, extensionId: string, blobId: string): Buffer {
  const info = Buffer.from(`kith:blob-key:v1\u0000${extensionId}\u0000${blobId}`, 'utf8');
  const derived = hkdf(sha256, atRestKey, new Uint8Array(0), info, 32);
  const key = ownCopy(derived);
  derived.fill(0);
  return key;
}

/**
 * A copy in memory of its own, never in Node's shared Buffer pool: keys and plaintext must not sit
 * beside bytes that other code hands out as views (whose `.buffer` reaches the whole pool).
 */
export function ownCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

/** The header of a new blob. */
export function encodeHeader(key: Uint8Array, blobId: string, chunkBytes = CHUNK_BYTES): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[8] = FORMAT_VERSION;
  header.writeUInt32BE(chunkBytes, 12);
  const fixed = header.subarray(0, 16);
  sealInto(header.subarray(16), key, headerAad(blobId, fixed), new Uint8Array(0));
  return header;
}

/** The chunk size a header declares; `KITH_ERR_BLOB_CORRUPT` unless it is whole and authentic. */
export function decodeHeader(key: Uint8Array, blobId: string, header: Uint8Array): number {
  if (header.length !== HEADER_BYTES || !MAGIC.equals(header.subarray(0, 8))) throw corrupt('not a Kith blob header');
  if (header[8] !== FORMAT_VERSION) throw corrupt(`unknown format version ${header[8]}`);
  const fixed = Buffer.from(header.subarray(0, 16));
  const chunkBytes = fixed.readUInt32BE(12);
  if (chunkBytes < MIN_CHUNK || chunkBytes > MAX_CHUNK || (chunkBytes & (chunkBytes - 1)) !== 0) throw corrupt('bad chunk size');
  if (!openFrom(header.subarray(16), key, headerAad(blobId, fixed))) throw corrupt('header does not authenticate');
  return chunkBytes;
}

/** Seal chunk `index` (exactly one chunk of plaintext) into `slot` (slotBytes long). */
export function sealChunk(slot: Uint8Array, key: Uint8Array, blobId: string, index: number, plaintext: Uint8Array): void {
  sealInto(slot, key, chunkAad(blobId, index), plaintext);
}

/** Open slot `index` into `out` (slot length − 40 bytes); `KITH_ERR_BLOB_CORRUPT` when it does not authenticate. */
export function openChunkInto(out: Uint8Array, slot: Uint8Array, key: Uint8Array, blobId: string, index: number): void {
  if (!openInto(out, slot, key, chunkAad(blobId, index))) throw corrupt('a chunk does not authenticate', { chunk: index });
}

/** The durable state of a blob: full chunks and the partial last one. */
export interface CommitState {
  readonly chunks: number;
  readonly tail: Uint8Array;
}

export function encodeCommit(key: Uint8Array, blobId: string, state: CommitState): Buffer {
  const plain = Buffer.alloc(8 + state.tail.length);
  plain.writeBigUInt64BE(BigInt(state.chunks), 0);
  plain.set(state.tail, 8);
  const record = Buffer.alloc(1 + NONCE_BYTES + plain.length + TAG_BYTES);
  record[0] = FORMAT_VERSION;
  sealInto(record.subarray(1), key, commitAad(blobId), plain);
  return record;
}

export function decodeCommit(key: Uint8Array, blobId: string, chunkBytes: number, record: Uint8Array): CommitState {
  if (record.length < COMMIT_OVERHEAD || record.length >= COMMIT_OVERHEAD + chunkBytes) throw corrupt('commit record has a bad length');
  if (record[0] !== FORMAT_VERSION) throw corrupt(`unknown commit version ${record[0]}`);
  const plain = openFrom(record.subarray(1), key, commitAad(blobId));
  if (!plain) throw corrupt('commit record does not authenticate');
  const chunks = plain.readBigUInt64BE(0);
  if (chunks > BigInt(Number.MAX_SAFE_INTEGER) / BigInt(chunkBytes)) throw corrupt('commit record counts too many chunks');
  return { chunks: Number(chunks), tail: plain.subarray(8) };
}

export function corrupt(reason: string, details: Record<string, unknown> = {}): KithError {
  return new KithError('KITH_ERR_BLOB_CORRUPT', undefined, { reason, ...details });
}

/** `out` = nonce | ciphertext | tag, with a fresh random nonce. */
function sealInto(out: Uint8Array, key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): void {
  const nonce = out.subarray(0, NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out.subarray(NONCE_BYTES, NONCE_BYTES + plaintext.length + TAG_BYTES), plaintext, aad, null, nonce, key);
}

function openFrom(sealed: Uint8Array, key: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const plain = Buffer.allocUnsafeSlow(sealed.length - NONCE_BYTES - TAG_BYTES);
  return openInto(plain, sealed, key, aad) ? plain : undefined;
}

/** Open nonce | ciphertext | tag into `out` (exactly the plaintext's length); false when it does not authenticate. */
function openInto(out: Uint8Array, sealed: Uint8Array, key: Uint8Array, aad: Uint8Array): boolean {
  if (sealed.length !== out.length + NONCE_BYTES + TAG_BYTES) return false;
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, sealed.subarray(NONCE_BYTES), aad, sealed.subarray(0, NONCE_BYTES), key);
    return true;
  } catch {
    return false;
  }
}

function headerAad(blobId: string, fixed: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`kith:blob:v1:header\u0000${blobId}\u0000`, 'ascii'), fixed]);
}

function chunkAad(blobId: string, index: number): Buffer {
  const aad = Buffer.alloc(19 + 32 + 1 + 8);
  aad.write(`kith:blob:v1:chunk\u0000${blobId}\u0000`, 0, 'ascii');
  aad.writeBigUInt64BE(BigInt(index), 52);
  return aad;
}

function commitAad(blobId: string): Buffer {
  return Buffer.from(`kith:blob:v1:commit\u0000${blobId}`, 'ascii');
}
