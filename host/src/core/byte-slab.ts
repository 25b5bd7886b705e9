/**
 * Short-lived byte buffers carved out of large shared slabs. Every datagram a session sends and
 * every bus frame it encodes needs a buffer that lives for microseconds (until the send) or
 * milliseconds (until the ACK). Giving each its own ArrayBuffer — even through Node's 8 KiB pool —
 * costs an allocation, a backing store for the garbage collector to track and free, and on the
 * bulk path that work outweighed the sealing. A slab is one ArrayBuffer for hundreds of them.
 *
 * Only for buffers nobody keeps: a view pins its whole slab until it is collected.
 */
export class ByteSlab {
  readonly #slabBytes: number;
  #slab: Buffer;
  #used = 0;

  constructor(slabBytes = 256 * 1024) {
    this.#slabBytes = slabBytes;
    this.#slab = Buffer.allocUnsafeSlow(slabBytes);
  }

  /** The largest buffer carved from a slab; a larger one gets memory of its own. */
  get limit(): number {
    return this.#slabBytes >>> 3;
  }

  /** A buffer of `length` uninitialised bytes: the caller writes every byte it sends. */
  take(length: number): Buffer {
    if (length > this.limit) return Buffer.allocUnsafeSlow(length);
    if (this.#used + length > this.#slabBytes) {
      this.#slab = Buffer.allocUnsafeSlow(this.#slabBytes);
      this.#used = 0;
    }
    const out = this.#slab.subarray(this.#used, this.#used + length);
    this.#used += (length + 7) & ~7; // keep views 8-byte aligned
    return out;
  }
}

/** The slab for datagrams and bus frames of this process (both are released within a round trip). */
export const wireSlab = new ByteSlab();
