// streams.forFriend in the extension host: the same derivation as host/src/bus/stream-ids.ts
// (HKDF-SHA256 of both master public keys, sorted, with the purpose), from public values only.
import { hkdfSync } from 'node:crypto';

const PEER_KEY = /^[0-9a-f]{64}$/;

export function forFriend(own, peer, purpose, rebuild) {
  if (!PEER_KEY.test(own) || typeof peer !== 'string' || !PEER_KEY.test(peer)) {
    throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: 'A peer key is 64 lowercase hex characters' });
  }
  if (typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 64) {
    throw rebuild({ code: 'KITH_ERR_BAD_REQUEST', message: 'A stream purpose is 1 to 64 characters' });
  }
  const [a, b] = own < peer ? [own, peer] : [peer, own];
  const ikm = Buffer.concat([Buffer.from(a, 'hex'), Buffer.from(b, 'hex')]);
  return Buffer.from(hkdfSync('sha256', ikm, 'kith:stream-id:v1', purpose, 16)).toString('hex');
}
