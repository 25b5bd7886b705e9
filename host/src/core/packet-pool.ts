/**
 * Buffers for large sealed datagrams (a path-MTU-sized datagram is up to 64 KiB), used again once
 * the socket has sent them. On the bulk path every 64 KiB block left in a fresh 64 KiB buffer that
 * was garbage a few microseconds later: tens of MiB of dead buffers at a time in the sender's RSS
 * before the collector caught up. Small datagrams come from the wire slab instead (byte-slab.ts).
 *
 * A buffer goes back only through {@link giveBack}, called by the UDP port once the kernel has the
 * bytes; one that never comes back is simply collected. Giving back twice, or a buffer the pool
 * did not lend, does nothing, so a buffer is never lent to two senders at once.
 */
export class PacketPool {
  readonly #capacity: number;
  readonly #keep: number;
  readonly #free: ArrayBuffer[] = [];
  readonly #lent = new WeakSet<ArrayBuffer>();

  /** Buffers of `capacity` bytes; at most `keep` wait for reuse. */
  constructor(capacity: number, keep: number) {
    this.#capacity = capacity;
    this.#keep = keep;
  }

  /** True when `length` bytes fit one of this pool's buffers. */
  fits(length: number): boolean {
    return length <= this.#capacity;
  }

  /** A buffer of `length` uninitialised bytes (at most the capacity): the caller writes every byte. */
  take(length: number): Buffer {
    if (length > this.#capacity) throw new RangeError(`a pooled packet holds at most ${this.#capacity} bytes`);
    const memory = this.#free.pop() ?? new ArrayBuffer(this.#capacity);
    this.#lent.add(memory);
    return Buffer.from(memory, 0, length);
  }

  /** Whether `packet` is a buffer this pool lent and has not had back. */
  lent(packet: Uint8Array): boolean {
    return packet.buffer instanceof ArrayBuffer && this.#lent.has(packet.buffer);
  }

  /** `packet` was sent and nothing reads it any more. */
  giveBack(packet: Uint8Array): void {
    const memory = packet.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.#lent.delete(memory)) return;
    if (this.#free.length < this.#keep) this.#free.push(memory);
  }

  /** Buffers waiting to be lent again. */
  get idle(): number {
    return this.#free.length;
  }
}

/** Sealed datagrams over 32 KiB (the wire slab's limit) up to the UDP maximum; 64 kept (4 MiB). */
export const largePackets = new PacketPool(65_536, 64);
