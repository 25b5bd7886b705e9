import { FRAME_FIXED_BYTES, encodeEventFrame, type EventFrame } from './wire/event-frame.js';
import { encodeHeader } from './wire/header-cbor.js';
import { MAX_FRAGMENTS } from './wire/control-headers.js';
import { KIND_FRAGMENT } from '@kith/sdk';
import type { Datagram } from './send-scheduler.js';
import { wireSlab } from '../core/byte-slab.js';

/** Room left in a piece for the fragment frame's own head and `{i, n}` header. */
export const FRAGMENT_OVERHEAD = 40;
const MAX_PARTIAL_EVENTS = 32;
const PARTIAL_TTL_MS = 10_000;

/** Encoded `{i, n}` headers, made once each (at most 64 × 63 of them). */
const fragmentHeaders = new Map<number, Uint8Array>();

function fragmentHeader(i: number, n: number): Uint8Array {
  const key = n * MAX_FRAGMENTS + i;
  let header = fragmentHeaders.get(key);
  if (!header) fragmentHeaders.set(key, (header = encodeHeader({ i, n })));
  return header;
}

/** Largest encoded event for a session whose datagrams carry `maxPayload` bytes. */
export function maxEventBytes(maxPayload: number): number {
  return MAX_FRAGMENTS * (maxPayload - FRAGMENT_OVERHEAD);
}

const NO_BYTES = new Uint8Array(0);

/**
 * Cut an encoded EVENT frame into fragment frames that each fit `maxPayload`
 * (docs/wire/fragment.md). Each fragment is its own small frame head plus a view of `encoded`:
 * the link joins them while sealing, so the event's bytes are copied once, not once per piece.
 * The heads differ only in their `{i, n}` header, so they are written into one buffer.
 */
export function fragmentFrame(frame: EventFrame, encoded: Uint8Array, maxPayload: number): Datagram[] {
  if (encoded.length <= maxPayload) return [encoded];
  const piece = maxPayload - FRAGMENT_OVERHEAD;
  const count = Math.ceil(encoded.length / piece);
  if (count > MAX_FRAGMENTS) throw new RangeError(`event of ${encoded.length} bytes needs ${count} fragments (max ${MAX_FRAGMENTS})`);
  // The first head is encoded (and its fields checked) the usual way; the rest copy its fixed part.
  const first = encodeEventFrame({
    stream: frame.stream, seq: frame.seq, kind: KIND_FRAGMENT, flags: frame.flags, header: fragmentHeader(0, count), payload: NO_BYTES,
  });
  const fixed = first.subarray(0, FRAME_FIXED_BYTES - 2); // tag .. flags; hdr_len follows
  let total = 0;
  for (let i = 1; i < count; i++) total += FRAME_FIXED_BYTES + fragmentHeader(i, count).length;
  const heads = wireSlab.take(total); // every byte is written below
  const out: Datagram[] = [{ head: first, tail: encoded.subarray(0, piece) }];
  for (let i = 1, at = 0; i < count; i++) {
    const header = fragmentHeader(i, count);
    heads.set(fixed, at);
    heads.writeUInt16BE(header.length, at + FRAME_FIXED_BYTES - 2);
    heads.set(header, at + FRAME_FIXED_BYTES);
    const length = FRAME_FIXED_BYTES + header.length;
    out.push({ head: new Uint8Array(heads.buffer, heads.byteOffset + at, length), tail: encoded.subarray(i * piece, (i + 1) * piece) });
    at += length;
  }
  return out;
}

interface Partial {
  readonly pieces: (Uint8Array | undefined)[];
  got: number;
  touched: number;
}

/** Collects the pieces of fragmented events of one session; bounded in count and age. */
export class Reassembler {
  readonly #partials = new Map<string, Partial>();

  /** Add piece `i` of `n` for the event `key`; returns the whole encoded frame once complete. */
  add(key: string, i: number, n: number, piece: Uint8Array, now = Date.now()): Uint8Array | undefined {
    let partial = this.#partials.get(key);
    // Another count: the sender cut the event again (its datagrams shrank, docs/wire/pmtu.md);
    // the newer cut replaces the pieces of the older one.
    if (partial && partial.pieces.length !== n) {
      this.#partials.delete(key);
      partial = undefined;
    }
    if (!partial) {
      this.#evict(now);
      partial = { pieces: new Array(n).fill(undefined), got: 0, touched: now };
      this.#partials.set(key, partial);
    }
    partial.touched = now;
    if (partial.pieces[i] === undefined) {
      // No copy: links hand over a fresh buffer per datagram, so the view stays valid.
      partial.pieces[i] = piece;
      partial.got++;
    }
    if (partial.got < n) return undefined;
    this.#partials.delete(key);
    const total = partial.pieces.reduce((sum, p) => sum + p!.length, 0);
    const pooled = Buffer.allocUnsafe(total); // every byte is written below
    const whole = new Uint8Array(pooled.buffer, pooled.byteOffset, total);
    let at = 0;
    for (const p of partial.pieces) {
      whole.set(p!, at);
      at += p!.length;
    }
    return whole;
  }

  /**
   * The piece numbers still lacking for the event `key`, when some of its pieces arrived (so a
   * gap NACK can ask for just those); undefined when nothing of it is here.
   */
  lacking(key: string): number[] | undefined {
    const partial = this.#partials.get(key);
    if (!partial) return undefined;
    const out: number[] = [];
    partial.pieces.forEach((piece, i) => {
      if (piece === undefined) out.push(i);
    });
    return out;
  }

  get size(): number {
    return this.#partials.size;
  }

  #evict(now: number): void {
    for (const [key, partial] of this.#partials) {
      if (now - partial.touched > PARTIAL_TTL_MS) this.#partials.delete(key);
    }
    while (this.#partials.size >= MAX_PARTIAL_EVENTS) {
      const oldest = this.#partials.keys().next().value as string;
      this.#partials.delete(oldest);
    }
  }
}
