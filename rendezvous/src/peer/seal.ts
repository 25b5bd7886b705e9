import { utf8ToBytes } from '@noble/hashes/utils.js';
import { MAX_BOX_CHARS, type SealedEnvelope } from './envelope.js';
import { openBox, sealBox } from './sealed-box.js';

/**
 * The two layers of a friend- or stranger-targeted blob: outer routing `tag` (see routing-tag.ts),
 * inner sealed box over the signed payload. The sender's box key is ephemeral and erased after
 * sealing, so every publish is forward-secret on the sender's side: nothing the sender keeps can
 * reopen it.
 */
export function sealEnvelope(
  t: SealedEnvelope['t'],
  tag: string,
  signed: { b: string; s: string },
  recipientX25519: Uint8Array,
): SealedEnvelope {
  const box = Buffer.from(sealBox(utf8ToBytes(JSON.stringify(signed)), recipientX25519)).toString('base64url');
  if (box.length > MAX_BOX_CHARS) throw new RangeError('the sealed payload is too large');
  return { v: 1, t, tag, box };
}

/** Open the inner box; the parsed JSON (still to be validated and verified), or null. */
export function openEnvelope(
  envelope: SealedEnvelope,
  recipientX25519: Uint8Array,
  sharedSecret: (theirPublicKey: Uint8Array) => Uint8Array,
): unknown {
  const opened = openBox(new Uint8Array(Buffer.from(envelope.box, 'base64url')), recipientX25519, sharedSecret);
  if (!opened) return null;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened));
  } catch {
    return null;
  }
}
