import { z } from 'zod';
import { DEFAULT_MAX_BLOB_BYTES } from '../protocol.js';
import { TAG_PATTERN } from './routing-tag.js';

/**
 * The blobs Kith peers publish. A blob is a compact JSON object `{ v, t, ... }`; the server never
 * parses it. Every decode checks the length before parsing and validates with zod.
 *
 *   announce         plaintext, signed: { v, t, b: <json AnnounceBody>, s: <ed25519 sig hex> }
 *                    (published only while the user shows unpaired peers)
 *   sealed_announce  { v, t, tag, box }   tag = friendship routing tag, box = sealed box
 *   connect_request  { v, t, tag, box }   tag = friendship or stranger tag
 *   connect_accept   { v, t, tag, box }
 *
 * Other blobs in a room (the pairing extension's `{ v: 2, t: share|confirm|card|key }`, a third
 * party's) do not decode here and are skipped by presence.
 */
export const ENVELOPE_VERSION = 1;
export const MAX_BLOB_CHARS = DEFAULT_MAX_BLOB_BYTES;
/** Sealed payloads are far smaller than a blob; the box is bounded separately. */
export const MAX_BOX_CHARS = 8 * 1024;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/);

export const announceEnvelope = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  t: z.literal('announce'),
  b: z.string().min(2).max(2048),
  s: hex(64),
});
const taggedSealed = <T extends string>(t: T) =>
  z.strictObject({ v: z.literal(ENVELOPE_VERSION), t: z.literal(t), tag: z.string().regex(TAG_PATTERN), box: base64url(MAX_BOX_CHARS) });
export const sealedAnnounceEnvelope = taggedSealed('sealed_announce');
export const connectRequestEnvelope = taggedSealed('connect_request');
export const connectAcceptEnvelope = taggedSealed('connect_accept');

export const envelope = z.discriminatedUnion('t', [
  announceEnvelope,
  sealedAnnounceEnvelope,
  connectRequestEnvelope,
  connectAcceptEnvelope,
]);
export type Envelope = z.infer<typeof envelope>;
export type EnvelopeType = Envelope['t'];
export type SealedEnvelope = Extract<Envelope, { tag: string }>;

/** Encode an envelope as a blob (validated first, so Kith never publishes what it would refuse). */
export function encodeEnvelope(value: Envelope): string {
  const checked = envelope.parse(value);
  const blob = JSON.stringify(checked);
  if (blob.length > MAX_BLOB_CHARS) throw new RangeError(`envelope is ${blob.length} characters; the limit is ${MAX_BLOB_CHARS}`);
  return blob;
}

/** Decode a blob; null for anything that is not a valid, current-version envelope (other apps share rooms). */
export function decodeEnvelope(blob: string): Envelope | null {
  if (typeof blob !== 'string' || blob.length > MAX_BLOB_CHARS || blob[0] !== '{') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    return null;
  }
  const result = envelope.safeParse(parsed);
  return result.success ? result.data : null;
}
