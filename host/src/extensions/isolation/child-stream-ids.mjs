// streams.forFriend in the extension host: the same derivation as host/src/bus/stream-ids.ts
// (HKDF-SHA256 of both master public keys, sorted; 8 bytes naming the extension, 8 naming the
// purpose), from public values only.
import { hkdfSync } from 'node:crypto';

const PEER_KEY = /^[0-9a-f]{64}$/;
const SALT = 'kith:stream-id:v2';

export function forFriend(own, peer, extensionId, purpose, rebuild) {
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 64) {
    throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: 'A stream purpose is 1 to 64 characters' });
  }
  if (!PEER_KEY.test(own) || typeof peer !== 'string' || !PEER_KEY.test(peer)) {
    throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: 'A peer key is 64 lowercase hex characters' });
  }
  const [a, b] = own < peer ? [own, peer] : [peer, own];
  const ikm = Buffer.concat([Buffer.from(a, 'hex'), Buffer.from(b, 'hex')]);
  const part = (info) => Buffer.from(hkdfSync('sha256', ikm, SALT, info, 8)).toString('hex');
  return part(`owner\0${extensionId}`) + part(`purpose\0${extensionId}\0${purpose}`);
}
