import { createHash } from 'node:crypto';

/** Domain separation: a tag can never collide with a hash Kith computes for another purpose. */
const OWNER_TAG_DOMAIN = 'kith/rendezvous/v1/owner|';

/**
 * The public tag of an owner secret: base64url(SHA-256(domain | secret)), 43 characters. The server
 * stores and hands out only the tag; replacing or removing an entry needs the secret, so knowing a
 * tag from a fetch gives a stranger nothing. A client recognises its own entries by this tag.
 */
export function ownerTagOf(secret: string): string {
  return createHash('sha256').update(OWNER_TAG_DOMAIN).update(secret).digest('base64url');
}
