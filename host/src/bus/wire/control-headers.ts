import { z } from 'zod';
import { KithError, KIND_NAME_PATTERN, THIRD_PARTY_KIND_RANGE, type EventHeader } from '@kith/sdk';
import { decodeHeader } from './header-cbor.js';

/**
 * Headers of the bus's own control kinds (docs/wire/ack.md, nack.md, capabilities.md,
 * fragment.md). Each has a zod schema that bounds every field of what arrives from the network.
 */

const u32 = z.number().int().min(0).max(0xffff_ffff);
/** Most fragments one event may be cut into (≈ 75 KiB at a 1200-byte payload). */
export const MAX_FRAGMENTS = 64;

const reason = z.string().min(1).max(32).regex(/^[a-z][a-z0-9-]*$/);
/**
 * KIND_ACK: every reliable event of the frame's stream and space up to `upTo` was consumed:
 * persisted, or refused — `refused` repeats recent refusals as `[seq, reason]`, so a lost NACK
 * cannot make the sender report a refused event as delivered.
 */
export const AckHeaderSchema = z.object({ upTo: u32, refused: z.array(z.tuple([u32, reason])).max(64).optional() });
export type AckHeader = z.infer<typeof AckHeaderSchema>;

/** NACK reasons: `missing` asks for a retransmit; all others refuse the listed events for good. */
export const NACK_MISSING = 'missing';
export const MAX_NACK_SEQS = 64;
/** KIND_NACK: the events `seqs` of the frame's stream and space were refused (or are missing). */
export const NackHeaderSchema = z.object({
  seqs: z.array(u32).min(1).max(MAX_NACK_SEQS),
  reason,
  message: z.string().max(200).optional(),
  /** The refused events were unreliable ones (their seqs are in the unreliable space). */
  unreliable: z.literal(true).optional(),
  /**
   * With `missing`: per entry of `seqs`, the fragment numbers the receiver still lacks of that
   * event (some of its fragments arrived), or null for the whole event. Absent: whole events.
   */
  frags: z.array(z.union([z.null(), z.array(z.number().int().min(0).max(MAX_FRAGMENTS - 1)).min(1).max(MAX_FRAGMENTS)])).max(MAX_NACK_SEQS).optional(),
});
export type NackHeader = z.infer<typeof NackHeaderSchema>;

/** Bumped when the capabilities structure changes incompatibly. */
export const CAPABILITIES_VERSION = 1;
const kindByte = z.number().int().min(THIRD_PARTY_KIND_RANGE.first).max(THIRD_PARTY_KIND_RANGE.last);
const kindName = z.string().regex(KIND_NAME_PATTERN);
/**
 * KIND_CAPABILITIES: what this peer runs. `kinds` maps third-party kind names to the byte the
 * SENDER of this header wants to receive them as (receiver-assigned, append-only for the session);
 * `on` lists the kind names it has a handler for right now; `rev` orders updates.
 */
export const CapabilitiesHeaderSchema = z.object({
  v: z.literal(CAPABILITIES_VERSION),
  rev: u32,
  ext: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/), z.string().max(64)).refine((r) => Object.keys(r).length <= 128, 'too many extensions'),
  kinds: z.record(kindName, kindByte).refine((r) => Object.keys(r).length <= 96, 'too many kinds'),
  on: z.array(kindName).max(256),
});
export type CapabilitiesHeader = z.infer<typeof CapabilitiesHeaderSchema>;

/** KIND_FRAGMENT: piece `i` of `n` of the encoded frame of one event (same stream, seq and flags). */
export const FragmentHeaderSchema = z
  .object({ i: z.number().int().min(0), n: z.number().int().min(2).max(MAX_FRAGMENTS) })
  .refine((h) => h.i < h.n, 'fragment index out of range');
export type FragmentHeader = z.infer<typeof FragmentHeaderSchema>;

/**
 * The `{i, n}` header of a fragment, read straight from its canonical CBOR (map of 2, "i" then
 * "n", each a uint in shortest form: what every Kith peer sends). Anything else goes through the
 * general bounded decoder and the schema, so the result is the same for any input; only the
 * common case skips a CBOR decode per datagram. Throws `KITH_ERR_BAD_FRAME`.
 */
export function parseFragmentHeader(bytes: Uint8Array): FragmentHeader {
  if (bytes[0] === 0xa2 && bytes[1] === 0x61 && bytes[2] === 0x69) {
    const i = canonicalUint(bytes, 3);
    const nKey = 3 + uintBytes(i);
    if (i >= 0 && bytes[nKey] === 0x61 && bytes[nKey + 1] === 0x6e) {
      const n = canonicalUint(bytes, nKey + 2);
      if (n >= 2 && n <= MAX_FRAGMENTS && i < n && nKey + 2 + uintBytes(n) === bytes.length) return { i, n };
    }
  }
  return parseControlHeader(FragmentHeaderSchema, decodeHeader(bytes), 'fragment');
}

/** `a1 64 "upTo"`: the canonical head of an ACK header without refusals. */
const ACK_HEAD = [0xa1, 0x64, 0x75, 0x70, 0x54, 0x6f];

/**
 * The ACK header, read straight from its canonical CBOR when it is exactly `{upTo: uint}` (the
 * common case: one per receiver turn and stream); anything else, refusals included, goes through
 * the general bounded decoder and {@link AckHeaderSchema}. Throws `KITH_ERR_BAD_FRAME`.
 */
export function parseAckHeader(bytes: Uint8Array): AckHeader {
  if (ACK_HEAD.every((b, i) => bytes[i] === b)) {
    const upTo = canonicalUint(bytes, ACK_HEAD.length);
    if (upTo >= 0 && ACK_HEAD.length + uintBytes(upTo) === bytes.length) return { upTo };
  }
  return parseControlHeader(AckHeaderSchema, decodeHeader(bytes), 'ack');
}

/** The encoded ACK header `{upTo}` without refusals: the same bytes the general encoder makes. */
export function encodeAckHeader(upTo: number): Uint8Array {
  const size = uintBytes(upTo);
  const out = new Uint8Array(ACK_HEAD.length + size);
  out.set(ACK_HEAD);
  if (size === 1) out[ACK_HEAD.length] = upTo;
  else {
    out[ACK_HEAD.length] = UINT_HEADS[size]!;
    for (let k = 1; k < size; k++) out[ACK_HEAD.length + k] = (upTo >>> (8 * (size - 1 - k))) & 0xff;
  }
  return out;
}

/** CBOR's first byte of a uint by its encoded size (head included): 1 + 1, 1 + 2, 1 + 4 bytes. */
const UINT_HEADS: Record<number, number> = { 2: 0x18, 3: 0x19, 5: 0x1a };

/** Encoded size of `value` as a shortest-form CBOR uint of at most 32 bits. */
function uintBytes(value: number): number {
  return value < 0x18 ? 1 : value <= 0xff ? 2 : value <= 0xffff ? 3 : 5;
}

/** The shortest-form CBOR uint of at most 32 bits at `at`; -1 when there is none (or not shortest). */
function canonicalUint(bytes: Uint8Array, at: number): number {
  const head = bytes[at];
  if (head === undefined || head > 0x1a) return -1;
  if (head < 0x18) return head;
  const size = head === 0x18 ? 1 : head === 0x19 ? 2 : 4;
  if (at + size >= bytes.length) return -1;
  let value = 0;
  for (let k = 1; k <= size; k++) value = value * 256 + bytes[at + k]!;
  return uintBytes(value) === size + 1 ? value : -1;
}

/** Parse a decoded control header with `schema`; throws `KITH_ERR_BAD_FRAME`. */
export function parseControlHeader<T>(schema: z.ZodType<T>, header: EventHeader, what: string): T {
  const result = schema.safeParse(header);
  if (!result.success) {
    throw new KithError('KITH_ERR_BAD_FRAME', `Bad ${what} header: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  return result.data;
}
