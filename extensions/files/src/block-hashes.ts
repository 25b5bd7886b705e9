/**
 * Integrity: SHA-256 of every block, and a root over them all. The root binds the size and block
 * size too, so a truncated or re-blocked file never matches:
 *
 *   root = SHA-256("kith-files-v1" 0x00 · size u64 BE · bs u32 BE · h(0) · h(1) · … · h(n-1))
 *
 * The offer carries the root; the receiver fetches the hash list (32 bytes per block, 0.05 % of
 * a file in 64 KiB blocks), checks it against the root, and then checks every block against its
 * hash before writing it.
 */
import { createHash } from 'node:crypto';

// OpenSSL's SHA-256 (node:crypto): 333 MB/s on the bench machine against 32 MB/s for
// @noble/hashes in pure JS, and the receiver hashes every block on the bus's thread.
function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

export const HASH_BYTES = 32;
const DOMAIN = new TextEncoder().encode('kith-files-v1\0');

export function blockCount(size: number, bs: number): number {
  return size === 0 ? 0 : Math.ceil(size / bs);
}

/** Bytes in block `i` of a file of `size` bytes. */
export function blockLength(size: number, bs: number, i: number): number {
  return Math.min(bs, size - i * bs);
}

/**
 * A block's hash on libuv's thread pool (WebCrypto's digest runs there as an async job): a
 * receiver verifying ~1,500 blocks a second keeps the hashing itself off the thread that answers
 * chat and the page, at the price of a job (a copy, a promise, two thread wake-ups) per block.
 */
export async function hashBlockOffThread(block: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', block as Uint8Array as BufferSource));
}

/** Hashing a block here is cheaper than a thread-pool job from this rate up (see {@link chooseBlockHasher}). */
export const INLINE_HASH_MIN_BYTES_PER_MS = 1_000_000;
const PROBE_BYTES = 256 * 1024;

/**
 * How the receiver hashes blocks, chosen once by timing SHA-256 on this CPU. With SHA extensions
 * (most x86 CPUs since 2017, ARMv8) OpenSSL hashes a 64 KiB block in ~45 µs, about what handing
 * it to the thread pool costs the event loop, so hashing inline saves the job's whole cost
 * (measured on a 1 GiB transfer: the receiver's CPU per MB 7.9 against 9.0 ms, its main thread
 * the same). Without them a block takes ~200 µs, which belongs on the thread pool.
 */
export function chooseBlockHasher(bytesPerMs = measureSha256()): (block: Uint8Array) => Promise<Uint8Array> {
  if (bytesPerMs < INLINE_HASH_MIN_BYTES_PER_MS) return hashBlockOffThread;
  return (block) => Promise.resolve(new Uint8Array(sha256(block)));
}

/** SHA-256 bytes per millisecond on this thread: the best of three short runs (a busy machine only slows a run). */
export function measureSha256(): number {
  const probe = new Uint8Array(PROBE_BYTES);
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    sha256(probe);
    best = Math.min(best, performance.now() - started);
  }
  return PROBE_BYTES / Math.max(best, 1e-3);
}

/** The root over the concatenated block hashes (`hashes.length` = 32 · blocks). */
export function rootOf(size: number, bs: number, hashes: Uint8Array): Uint8Array {
  const head = new Uint8Array(12);
  const view = new DataView(head.buffer);
  view.setBigUint64(0, BigInt(size));
  view.setUint32(8, bs);
  return createHash('sha256').update(DOMAIN).update(head).update(hashes).digest();
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Hashes a stream of bytes block by block as it passes (an upload on its way into the vault), so
 * the sender never reads the file twice. `pass` yields the same pieces it was given.
 */
export class StreamingBlockHasher {
  // One contiguous list, grown by doubling: a 32-byte Buffer per block would cost ~200 bytes of
  // heap each (measured: +6.3 MiB of heap for the 32,768 blocks of a 2 GiB file, held until commit).
  private hashes = new Uint8Array(HASH_BYTES * 1024);
  private count = 0;
  private readonly partial: Uint8Array;
  private filled = 0;
  size = 0;

  constructor(readonly bs: number) {
    this.partial = new Uint8Array(bs);
  }

  private push(block: Uint8Array): void {
    if ((this.count + 1) * HASH_BYTES > this.hashes.length) {
      const grown = new Uint8Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes.set(sha256(block), this.count * HASH_BYTES);
    this.count++;
  }

  update(piece: Uint8Array): void {
    this.size += piece.length;
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(this.bs - this.filled, piece.length - at);
      if (this.filled === 0 && take === this.bs) {
        this.push(piece.subarray(at, at + take));
      } else {
        this.partial.set(piece.subarray(at, at + take), this.filled);
        this.filled += take;
        if (this.filled === this.bs) {
          this.push(this.partial);
          this.filled = 0;
        }
      }
      at += take;
    }
  }

  async *pass(pieces: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const piece of pieces) {
      this.update(piece);
      yield piece;
    }
  }

  /** The hash list (the last, short block included) and the root. */
  finish(): { hashes: Uint8Array; root: Uint8Array } {
    if (this.filled > 0) {
      this.push(this.partial.subarray(0, this.filled));
      this.filled = 0;
    }
    const hashes = this.hashes.slice(0, this.count * HASH_BYTES);
    return { hashes, root: rootOf(this.size, this.bs, hashes) };
  }
}
