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
 * Cut an EVENT frame into datagrams that each fit `maxPayload` (docs/wire/fragment.md) without
 * copying its payload: each datagram is a small head plus a view of the payload, which the link
 * joins while sealing, so the payload is copied once (into the sealed datagram), not once to
 * encode and again to seal. The caller keeps `frame.payload` unchanged while the datagrams live.
 */
export function cutEvent(frame: EventFrame, maxPayload: number): Datagram[] {
  const head = encodeEventFrame({ ...frame, payload: NO_BYTES });
  const { payload } = frame;
  const total = head.length + payload.length;
  if (total <= maxPayload) return payload.length === 0 ? [head] : [{ head, tail: payload }];
  const piece = maxPayload - FRAGMENT_OVERHEAD;
  const count = Math.ceil(total / piece);
  if (count > MAX_FRAGMENTS) throw new RangeError(`event of ${total} bytes needs ${count} fragments (max ${MAX_FRAGMENTS})`);
  const heads = fragmentHeads(frame, count);
  const out: Datagram[] = [];
  // Piece i is bytes [i·piece, (i+1)·piece) of head ‖ payload; the frame head's bytes join the
  // fragment head (a small copy), the payload's stay views.
  for (let i = 0, from = 0; i < count; i++, from += piece) {
    const to = Math.min(total, from + piece);
    const h = head.length;
    if (from >= h) out.push({ head: heads[i]!, tail: payload.subarray(from - h, to - h) });
    else if (to <= h) out.push({ head: heads[i]!, tail: head.subarray(from, to) });
    else {
      const joined = wireSlab.take(heads[i]!.length + h - from); // every byte is written below
      joined.set(heads[i]!, 0);
      joined.set(head.subarray(from), heads[i]!.length);
      out.push({ head: new Uint8Array(joined.buffer, joined.byteOffset, joined.length), tail: payload.subarray(0, to - h) });
    }
  }
  return out;
}

/**
 * Cut an encoded EVENT frame (its bytes already copied into `encoded`) the same way: for
 * unreliable events, whose datagrams may wait in a queue after the caller got its buffer back.
 */
export function fragmentFrame(frame: EventFrame, encoded: Uint8Array, maxPayload: number): Datagram[] {
  if (encoded.length <= maxPayload) return [encoded];
  const piece = maxPayload - FRAGMENT_OVERHEAD;
  const count = Math.ceil(encoded.length / piece);
  if (count > MAX_FRAGMENTS) throw new RangeError(`event of ${encoded.length} bytes needs ${count} fragments (max ${MAX_FRAGMENTS})`);
  return fragmentHeads(frame, count).map((head, i) => ({ head, tail: encoded.subarray(i * piece, (i + 1) * piece) }));
}

/**
 * The `count` fragment frame heads of `frame`: they differ only in their `{i, n}` header, so the
 * first is encoded (and its fields checked) the usual way and the rest copy its fixed part, all
 * into one buffer.
 */
function fragmentHeads(frame: EventFrame, count: number): Uint8Array[] {
  const first = encodeEventFrame({
    stream: frame.stream, seq: frame.seq, kind: KIND_FRAGMENT, flags: frame.flags, header: fragmentHeader(0, count), payload: NO_BYTES,
  });
  const fixed = first.subarray(0, FRAME_FIXED_BYTES - 2); // tag .. flags; hdr_len follows
  let total = 0;
  for (let i = 1; i < count; i++) total += FRAME_FIXED_BYTES + fragmentHeader(i, count).length;
  const heads = wireSlab.take(total); // every byte is written below
  const out: Uint8Array[] = [first];
  for (let i = 1, at = 0; i < count; i++) {
    const header = fragmentHeader(i, count);
    heads.set(fixed, at);
    heads.writeUInt16BE(header.length, at + FRAME_FIXED_BYTES - 2);
    heads.set(header, at + FRAME_FIXED_BYTES);
    const length = FRAME_FIXED_BYTES + header.length;
    out.push(new Uint8Array(heads.buffer, heads.byteOffset + at, length));
    at += length;
  }
  return out;
}

interface Partial {
  readonly pieces: (Uint8Array | undefined)[];
  got: number;
  /** Bytes of the pieces held. */
  bytes: number;
  touched: number;
  /** When its lacking pieces were last named for a lost-piece NACK. */
  reportedAt?: number;
}

/** Encoded bytes of the largest event a sender may cut (bus-engine's limit, at the base size). */
export const MAX_PARTIAL_EVENT_BYTES = maxEventBytes(1201);
/**
 * Bytes of pieces held for one session's partial events: about 28 of the largest events; the
 * oldest partial event goes first to make room (its sender repeats it).
 */
export const MAX_PARTIAL_BYTES = 2 * 1024 * 1024;
/** How often add sweeps expired partials (and how soon after the TTL a timer does, when none arrive). */
const SWEEP_MS = 1_000;
/** A lost-piece NACK names the lacking pieces of one event at most once in this interval. */
const LOST_PIECES_REPORT_MS = 100;
/** Lost-piece reports per session: a bucket of this many, refilled at this many per second. */
const LOST_PIECES_REPORTS = 32;

/**
 * Collects the pieces of fragmented events of one session; bounded in count (32 events), bytes
 * ({@link MAX_PARTIAL_BYTES}, {@link MAX_PARTIAL_EVENT_BYTES} per event) and age (10 s without
 * progress, expired by later pieces or by a timer when none come).
 */
export class Reassembler {
  readonly #partials = new Map<string, Partial>();
  #bytes = 0;
  #sweptAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #reportTokens = LOST_PIECES_REPORTS;
  #reportRefillAt = 0;

  /** Add piece `i` of `n` for the event `key`; returns the whole encoded frame once complete. */
  add(key: string, i: number, n: number, piece: Uint8Array, now = Date.now()): Uint8Array | undefined {
    if (now - this.#sweptAt >= SWEEP_MS) this.#sweep(now);
    let partial = this.#partials.get(key);
    // Another count: the sender cut the event again (its datagrams shrank, docs/wire/pmtu.md);
    // the newer cut replaces the pieces of the older one.
    if (partial && partial.pieces.length !== n) {
      this.#drop(key, partial);
      partial = undefined;
    }
    if (!partial) {
      this.#evict(now);
      partial = { pieces: new Array(n).fill(undefined), got: 0, bytes: 0, touched: now };
      this.#partials.set(key, partial);
      this.#armTimer();
    }
    partial.touched = now;
    if (partial.pieces[i] === undefined) {
      // More bytes than any sender may cut into one event: not an honest event.
      if (partial.bytes + piece.length > MAX_PARTIAL_EVENT_BYTES) {
        this.#drop(key, partial);
        return undefined;
      }
      // Room for it: the oldest other partial events go first.
      for (const [other, held] of this.#partials) {
        if (this.#bytes + piece.length <= MAX_PARTIAL_BYTES) break;
        if (other !== key) this.#drop(other, held);
      }
      if (this.#bytes + piece.length > MAX_PARTIAL_BYTES) return undefined; // the sender repeats it
      // No copy: links hand over a fresh buffer per datagram, so the view stays valid.
      partial.pieces[i] = piece;
      partial.got++;
      partial.bytes += piece.length;
      this.#bytes += piece.length;
    }
    if (partial.got < n) return undefined;
    this.#drop(key, partial);
    const total = partial.bytes;
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
   * gap NACK, which the channel limits, can ask for just those); undefined when nothing of it is here.
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

  /**
   * {@link lacking} for the lost-piece NACK sent when an event's last piece arrives without the
   * rest (docs/wire/fragment.md): at most once per {@link LOST_PIECES_REPORT_MS} per event and
   * {@link LOST_PIECES_REPORTS} per second per session, else none, so a peer repeating last pieces
   * draws no stream of NACKs.
   */
  lackingAfterLastPiece(key: string, now = Date.now()): number[] | undefined {
    const partial = this.#partials.get(key);
    if (!partial) return undefined;
    return this.#mayReport(partial, now) ? this.lacking(key) : [];
  }

  get size(): number {
    return this.#partials.size;
  }

  /** Bytes of pieces held. */
  get bytes(): number {
    return this.#bytes;
  }

  #mayReport(partial: Partial, now: number): boolean {
    if (partial.reportedAt !== undefined && now - partial.reportedAt < LOST_PIECES_REPORT_MS) return false;
    this.#reportTokens = Math.min(LOST_PIECES_REPORTS, this.#reportTokens + ((now - this.#reportRefillAt) * LOST_PIECES_REPORTS) / 1000);
    this.#reportRefillAt = now;
    if (this.#reportTokens < 1) return false;
    this.#reportTokens--;
    partial.reportedAt = now;
    return true;
  }

  /** Forget every partial event and stop the expiry timer (the session ended). */
  clear(): void {
    this.#partials.clear();
    this.#bytes = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(key: string, partial: Partial): void {
    this.#partials.delete(key);
    this.#bytes -= partial.bytes;
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, partial] of this.#partials) {
      if (now - partial.touched > PARTIAL_TTL_MS) this.#drop(key, partial);
    }
  }

  #evict(now: number): void {
    this.#sweep(now);
    while (this.#partials.size >= MAX_PARTIAL_EVENTS) {
      const [oldest, partial] = this.#partials.entries().next().value as [string, Partial];
      this.#drop(oldest, partial);
    }
  }

  /** Expire partials when no more pieces come (the session may have gone quiet, or closed). */
  #armTimer(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#sweep(Date.now());
      if (this.#partials.size > 0) this.#armTimer();
    }, PARTIAL_TTL_MS + SWEEP_MS);
    this.#timer.unref();
  }
}
