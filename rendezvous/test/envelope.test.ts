import { expect } from 'chai';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { decodeEnvelope, encodeEnvelope, MAX_BLOB_CHARS, type SealedEnvelope } from '../src/peer/envelope.js';
import { announceBody, sealedAnnounceBody } from '../src/peer/payloads.js';
import { acceptedEpochs, epochOf, EPOCH_MS, friendshipRoutingSecret, routingTag } from '../src/peer/routing-tag.js';
import { openEnvelope, sealEnvelope } from '../src/peer/seal.js';
import { signPayload, verifyPayload } from '../src/peer/signed-payload.js';
import { roomForWord } from '../src/peer/room.js';

describe('rendezvous envelopes, routing tags and two-layer sealing', () => {
  const aliceSeed = randomBytes(32);
  const alice = bytesToHex(ed25519.getPublicKey(aliceSeed));
  const bob = bytesToHex(ed25519.getPublicKey(randomBytes(32)));
  const aliceFriendSk = randomBytes(32);
  const bobFriendSk = randomBytes(32);
  const aliceFriendPk = x25519.getPublicKey(aliceFriendSk);
  const bobFriendPk = x25519.getPublicKey(bobFriendSk);

  it('derives the same routing secret on both sides, directional tags, and new tags every 5 minutes', () => {
    const secretA = friendshipRoutingSecret(x25519.getSharedSecret(aliceFriendSk, bobFriendPk), alice, bob);
    const secretB = friendshipRoutingSecret(x25519.getSharedSecret(bobFriendSk, aliceFriendPk), bob, alice);
    expect(secretA).to.deep.equal(secretB);
    const t = 1_800_000_000_000;
    const e = epochOf(t);
    expect(routingTag(secretA, alice, e)).to.equal(routingTag(secretB, alice, e));
    expect(routingTag(secretA, alice, e)).to.not.equal(routingTag(secretA, bob, e));
    expect(routingTag(secretA, alice, e)).to.not.equal(routingTag(secretA, alice, epochOf(t + EPOCH_MS)));
    expect(routingTag(secretA, alice, e)).to.match(/^[0-9a-f]{32}$/);
    expect(acceptedEpochs(t)).to.include(e).and.include(e - 1);
  });

  it('round-trips every envelope type and refuses malformed, oversized or unknown ones', () => {
    const signed = signPayload({ k: 'announce', peerId: 'peer123', master: alice, x25519: bytesToHex(aliceFriendPk), sentAt: 1 }, (m) => ed25519.sign(m, aliceSeed));
    const all = [
      { v: 1, t: 'announce', ...signed },
      { v: 1, t: 'sealed_announce', tag: 'a'.repeat(32), box: 'AAAA' },
      { v: 1, t: 'connect_request', tag: 'b'.repeat(32), box: 'AAAA' },
      { v: 1, t: 'connect_accept', tag: 'c'.repeat(32), box: 'AAAA' },
    ] as const;
    for (const e of all) expect(decodeEnvelope(encodeEnvelope(e as never))).to.deep.equal(e);
    expect(decodeEnvelope('not json')).to.equal(null);
    expect(decodeEnvelope(JSON.stringify({ v: 2, t: 'share', s: 'AAAA' }))).to.equal(null); // a pairing blob
    expect(decodeEnvelope(JSON.stringify({ v: 2, t: 'sealed_announce', tag: 'a'.repeat(32), box: 'AAAA' }))).to.equal(null);
    expect(decodeEnvelope(JSON.stringify({ v: 1, t: 'gossip', box: 'AAAA' }))).to.equal(null);
    expect(decodeEnvelope(JSON.stringify({ v: 1, t: 'connect_request', tag: 'b'.repeat(32), box: 'AA AA' }))).to.equal(null);
    expect(decodeEnvelope(JSON.stringify({ v: 1, t: 'sealed_announce', tag: 'short', box: 'AAAA' }))).to.equal(null);
    expect(decodeEnvelope(`{"v":1,"t":"connect_request","tag":"${'b'.repeat(32)}","box":"${'A'.repeat(MAX_BLOB_CHARS)}"}`)).to.equal(null);
    expect(() => encodeEnvelope({ v: 1, t: 'connect_request', tag: 'b'.repeat(32), box: 'A'.repeat(20_000) })).to.throw();
    // The signed announce verifies, and a tampered one does not.
    expect(verifyPayload(signed, announceBody, 'master')).to.include({ peerId: 'peer123', master: alice });
    expect(verifyPayload({ ...signed, b: signed.b.replace('peer123', 'peer124') }, announceBody, 'master')).to.equal(null);
  });

  it('seals presence to a friend: only that friend opens it, and the signature names the sender', () => {
    const body = {
      k: 'sealed_announce', from: alice, to: bob, peerId: 'alice-peer', mode: 'auto',
      endpoints: { ipv4: { address: '203.0.113.7', port: 40000, family: 'ipv4' }, ipv6: null }, epoch: 5, sentAt: 10,
    };
    const env = sealEnvelope('sealed_announce', 'd'.repeat(32), signPayload(body, (m) => ed25519.sign(m, aliceSeed)), bobFriendPk);
    const decoded = decodeEnvelope(encodeEnvelope(env)) as SealedEnvelope;
    expect(decoded.box).to.not.contain('203.0.113.7');
    const opened = openEnvelope(decoded, bobFriendPk, (epk) => x25519.getSharedSecret(bobFriendSk, epk));
    expect(verifyPayload(opened, sealedAnnounceBody, 'from')).to.deep.equal(body);
    expect(openEnvelope(decoded, aliceFriendPk, (epk) => x25519.getSharedSecret(aliceFriendSk, epk))).to.equal(null);
    // Two seals of the same body share nothing visible.
    const again = sealEnvelope('sealed_announce', 'd'.repeat(32), signPayload(body, (m) => ed25519.sign(m, aliceSeed)), bobFriendPk);
    expect(again.box).to.not.equal(env.box);
  });

  it('derives rooms from a versioned hash of the normalised word', () => {
    expect(roomForWord('Garden ')).to.equal(roomForWord('garden')).and.match(/^[0-9a-f]{64}$/);
    expect(roomForWord('garden')).to.not.equal(roomForWord('gardens'));
    expect(() => roomForWord('   ')).to.throw(RangeError);
  });
});
