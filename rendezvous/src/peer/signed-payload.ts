import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import { signedPayload } from './payloads.js';

/** Serialise `body` and sign the exact string with the master key (no canonicalisation needed). */
export function signPayload(body: object, sign: (message: Uint8Array) => Uint8Array): { b: string; s: string } {
  const b = JSON.stringify(body);
  return { b, s: bytesToHex(sign(utf8ToBytes(`kith/rendezvous/v1/sig|${b}`))) };
}

/**
 * Parse `{ b, s }`, validate `b` against `schema`, and verify `s` with the master key the body names
 * in `signerField`. Null when anything fails.
 */
export function verifyPayload<T extends Record<string, unknown>>(
  raw: unknown,
  schema: z.ZodType<T>,
  signerField: keyof T & string,
): T | null {
  const outer = signedPayload.safeParse(raw);
  if (!outer.success) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(outer.data.b);
  } catch {
    return null;
  }
  const body = schema.safeParse(parsed);
  if (!body.success) return null;
  const signer = body.data[signerField];
  if (typeof signer !== 'string') return null;
  try {
    const ok = ed25519.verify(hexToBytes(outer.data.s), utf8ToBytes(`kith/rendezvous/v1/sig|${outer.data.b}`), hexToBytes(signer));
    return ok ? body.data : null;
  } catch {
    return null;
  }
}
