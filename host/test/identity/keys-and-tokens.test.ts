import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { isKithError } from '@kith/sdk';
import { mnemonicSeed, generatePersonaMnemonic } from '../../src/identity/mnemonic.js';
import { derivePersonaKeys, friendX25519Secret, wipePersonaKeys } from '../../src/identity/persona-keys.js';
import { signToken, verifyToken, type TokenSigner } from '../../src/identity/capability-token.js';
import { deriveBurner, verifyBurner } from '../../src/identity/burner.js';

function persona() {
  const keys = derivePersonaKeys(mnemonicSeed(generatePersonaMnemonic()));
  const signer: TokenSigner = { publicKey: keys.masterPublicKey, sign: (m) => ed25519.sign(m, keys.masterSecret) };
  return { keys, signer };
}

function tokenError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isKithError(error), String(error)).to.equal(true);
    expect((error as { code: string }).code).to.equal('KITH_ERR_TOKEN_INVALID');
    return (error as { details: { reason: string } }).details.reason;
  }
  return expect.fail('token accepted');
}

describe('identity/persona-keys', () => {
  it('derives the same keys from the same mnemonic, distinct keys per purpose', () => {
    const phrase = generatePersonaMnemonic();
    const a = derivePersonaKeys(mnemonicSeed(phrase));
    const b = derivePersonaKeys(mnemonicSeed(phrase));
    expect(bytesToHex(a.masterPublicKey)).to.equal(bytesToHex(b.masterPublicKey));
    expect(bytesToHex(a.atRestKey)).to.equal(bytesToHex(b.atRestKey));
    const all = [a.masterSecret, a.x25519Secret, a.atRestKey, a.friendRoot, a.burnerRoot].map(bytesToHex);
    expect(new Set(all).size).to.equal(5);
    expect(bytesToHex(ed25519.getPublicKey(a.masterSecret))).to.equal(bytesToHex(a.masterPublicKey));
    wipePersonaKeys(a);
    expect(a.atRestKey.every((x) => x === 0)).to.equal(true);
    expect(a.masterSecret.every((x) => x === 0)).to.equal(true);
  });

  it('per-friend X25519 keys are deterministic, differ per friend, and agree on a shared secret', () => {
    const alice = persona().keys;
    const bob = persona().keys;
    const carol = persona().keys;
    const aliceForBob = friendX25519Secret(alice.friendRoot, bob.masterPublicKey);
    expect(bytesToHex(friendX25519Secret(alice.friendRoot, bob.masterPublicKey))).to.equal(bytesToHex(aliceForBob));
    const aliceForCarol = friendX25519Secret(alice.friendRoot, carol.masterPublicKey);
    expect(bytesToHex(aliceForCarol)).to.not.equal(bytesToHex(aliceForBob));
    expect(bytesToHex(aliceForBob)).to.not.equal(bytesToHex(alice.x25519Secret));
    const bobForAlice = friendX25519Secret(bob.friendRoot, alice.masterPublicKey);
    const s1 = x25519.getSharedSecret(aliceForBob, x25519.getPublicKey(bobForAlice));
    const s2 = x25519.getSharedSecret(bobForAlice, x25519.getPublicKey(aliceForBob));
    expect(bytesToHex(s1)).to.equal(bytesToHex(s2));
  });
});

describe('identity/capability-token', () => {
  it('verifies a fresh token and returns its payload', () => {
    const { signer } = persona();
    const now = Date.now();
    const token = signToken(signer, { may: 'connect', n: 1 }, { expiresAt: now + 60_000, now });
    const verified = verifyToken(token, { issuer: signer.publicKey, now: now + 1000 });
    expect(verified.payload).to.deep.equal({ may: 'connect', n: 1 });
    expect(verified.issuer).to.equal(bytesToHex(signer.publicKey));
    expect(verified.expiresAt).to.equal(now + 60_000);
  });

  it('rejects an expired token', () => {
    const { signer } = persona();
    const now = Date.now();
    const token = signToken(signer, { may: 'x' }, { expiresAt: now + 1000, now });
    expect(tokenError(() => verifyToken(token, { now: now + 1000 }))).to.equal('expired');
    expect(tokenError(() => verifyToken(token, { now: now + 10 * 60_000 }))).to.equal('expired');
  });

  it('rejects forged tokens: changed payload, re-signed by another key, any flipped byte', () => {
    const alice = persona().signer;
    const mallory = persona().signer;
    const now = Date.now();
    const token = signToken(alice, { may: 'read' }, { expiresAt: now + 60_000, now });
    const raw = Buffer.from(token.slice('kith:cap:v1:'.length), 'base64url');
    // swap the payload for a more generous one, keeping Alice's signature
    const edited = Buffer.from(raw.toString('latin1').replace('"read"', '"root"'), 'latin1');
    expect(tokenError(() => verifyToken('kith:cap:v1:' + edited.toString('base64url'), { issuer: alice.publicKey, now }))).to.equal('forged');
    // Mallory signs a token claiming to be Alice: the signature does not match the named issuer
    const fake = signToken(mallory, { may: 'read' }, { expiresAt: now + 60_000, now });
    const fakeRaw = Buffer.from(fake.slice('kith:cap:v1:'.length), 'base64url');
    const claimed = Buffer.from(fakeRaw.toString('latin1').replace(bytesToHex(mallory.publicKey), bytesToHex(alice.publicKey)), 'latin1');
    expect(tokenError(() => verifyToken('kith:cap:v1:' + claimed.toString('base64url'), { issuer: alice.publicKey, now }))).to.equal('forged');
    // honest token from Mallory: valid signature, wrong key for this check
    expect(tokenError(() => verifyToken(fake, { issuer: alice.publicKey, now }))).to.equal('wrong-key');
    for (let i = 2; i < raw.length; i += 7) {
      const flipped = Buffer.from(raw);
      flipped[i]! ^= 0x04;
      expect(['forged', 'malformed']).to.include(tokenError(() => verifyToken('kith:cap:v1:' + flipped.toString('base64url'), { issuer: alice.publicKey, now })));
    }
    expect(tokenError(() => verifyToken('kith:cap:v1:' + raw.subarray(0, raw.length - 1).toString('base64url'), { now }))).to.equal('malformed');
    expect(tokenError(() => verifyToken('kith:cap:v1:' + 'A'.repeat(5000), { now }))).to.equal('malformed');
  });
});

describe('identity/burner', () => {
  it('derives one burner per window (no counter), certified by the master key until the window ends', () => {
    const { keys, signer } = persona();
    const period = 3_600_000;
    const t0 = 1_800_000_000_000;
    const a = deriveBurner(keys.burnerRoot, signer, { at: t0, periodMs: period });
    const a2 = deriveBurner(keys.burnerRoot, signer, { at: a.notBefore + 5, periodMs: period });
    const b = deriveBurner(keys.burnerRoot, signer, { at: a.notAfter, periodMs: period });
    expect(bytesToHex(a2.publicKey)).to.equal(bytesToHex(a.publicKey));
    expect(bytesToHex(b.publicKey)).to.not.equal(bytesToHex(a.publicKey));
    expect(bytesToHex(b.publicKey)).to.not.equal(bytesToHex(keys.masterPublicKey));
    expect(bytesToHex(verifyBurner(a.certificate, keys.masterPublicKey, t0))).to.equal(bytesToHex(a.publicKey));
    expect(() => verifyBurner(a.certificate, keys.masterPublicKey, a.notAfter)).to.throw();
    expect(() => verifyBurner(a.certificate, persona().keys.masterPublicKey, t0)).to.throw();
    const message = new TextEncoder().encode('hi');
    expect(ed25519.verify(ed25519.sign(message, a.secretKey), message, a.publicKey)).to.equal(true);
  });
});
