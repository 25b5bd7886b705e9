import { createHmac } from 'node:crypto';

/**
 * A keyed hash (HMAC-SHA256, hex) of a peer's master key under a key derived from the persona's
 * at-rest key: host tables find a friend's rows by it without holding the friend's key, so the
 * file does not show whom a persona talks to. Stable for a persona, unrelated across personas.
 */
export function peerTag(atRestKey: Uint8Array, peer: string): string {
  const tagKey = createHmac('sha256', atRestKey).update('kith:friend-tag:v1').digest();
  return createHmac('sha256', tagKey).update(peer).digest('hex');
}
