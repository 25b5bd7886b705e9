import { expect } from 'chai';
import sodium from 'libsodium-wrappers';
import { x25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { boxKeyFromSharedSecret, openBox, sealBox } from '../src/peer/sealed-box.js';

describe('sealed box: the standard crypto_box construction (libsodium as the oracle)', () => {
  before(async () => {
    await sodium.ready;
  });

  it('libsodium opens boxes Kith seals', () => {
    const recipient = sodium.crypto_box_keypair();
    for (const size of [0, 1, 63, 64, 65, 1000]) {
      const message = randomBytes(size);
      const sealed = sealBox(message, recipient.publicKey);
      expect(sealed.length).to.equal(size + 48);
      expect(sodium.crypto_box_seal_open(sealed, recipient.publicKey, recipient.privateKey)).to.deep.equal(message);
    }
  });

  it('Kith opens boxes libsodium seals, through a shared-secret callback only', () => {
    const sk = randomBytes(32);
    const pk = x25519.getPublicKey(sk);
    const message = new TextEncoder().encode('hello from libsodium');
    const sealed = sodium.crypto_box_seal(message, pk);
    expect(openBox(sealed, pk, (epk) => x25519.getSharedSecret(sk, epk))).to.deep.equal(message);
  });

  it('its beforenm key equals crypto_box_beforenm', () => {
    const a = sodium.crypto_box_keypair();
    const b = sodium.crypto_box_keypair();
    const ours = boxKeyFromSharedSecret(x25519.getSharedSecret(a.privateKey, b.publicKey));
    expect(ours).to.deep.equal(sodium.crypto_box_beforenm(b.publicKey, a.privateKey));
  });

  it('every seal uses a fresh ephemeral key, and a wrong key, a flipped bit or a short box does not open', () => {
    const sk = randomBytes(32);
    const pk = x25519.getPublicKey(sk);
    const message = randomBytes(40);
    const one = sealBox(message, pk);
    const two = sealBox(message, pk);
    expect(one.subarray(0, 32)).to.not.deep.equal(two.subarray(0, 32));
    const otherSk = randomBytes(32);
    expect(openBox(one, pk, (epk) => x25519.getSharedSecret(otherSk, epk))).to.equal(null);
    const flipped = Uint8Array.from(one);
    flipped[50]! ^= 1;
    expect(openBox(flipped, pk, (epk) => x25519.getSharedSecret(sk, epk))).to.equal(null);
    expect(openBox(one.subarray(0, 47), pk, (epk) => x25519.getSharedSecret(sk, epk))).to.equal(null);
  });
});
