import { expect } from 'chai';
import { createCipheriv } from 'node:crypto';
import { AEAD_TAG_BYTES, nonceFor, open, openInPlace, seal, sealInPlace } from '../../src/net/aead.js';

const key = Buffer.alloc(32, 0x42);
const aad = Buffer.from('cc03 header', 'utf8');

/** The same packet from node:crypto's ChaCha20-Poly1305: an independent implementation to agree with. */
function nodeSeal(counter: number, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonceFor(counter), { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('net/aead: ChaCha20-Poly1305 (libsodium)', () => {
  it('matches node:crypto byte for byte, counters above 2^32 included', () => {
    for (const counter of [0, 1, 0xffff_ffff, 2 ** 40 + 3]) {
      const plaintext = Buffer.from(`packet ${counter}`);
      expect(seal(key, counter, aad, plaintext).equals(nodeSeal(counter, plaintext))).to.equal(true);
    }
  });

  it('seals in place after a header that is also the associated data, and opens in place', () => {
    const plaintext = Buffer.from('one datagram, one buffer');
    const packet = Buffer.alloc(aad.length + plaintext.length + AEAD_TAG_BYTES);
    aad.copy(packet);
    plaintext.copy(packet, aad.length);
    sealInPlace(key, 9, packet.subarray(0, aad.length), packet, aad.length);
    expect(packet.subarray(aad.length).equals(nodeSeal(9, plaintext))).to.equal(true);
    const opened = openInPlace(key, 9, aad, packet.subarray(aad.length));
    expect(opened?.toString()).to.equal('one datagram, one buffer');
    expect(opened!.buffer).to.equal(packet.buffer); // no copy
  });

  it('refuses a flipped bit, a wrong counter, other associated data and a short input', () => {
    const sealed = seal(key, 3, aad, Buffer.from('secret'));
    expect(open(key, 3, aad, sealed)?.toString()).to.equal('secret');
    expect(open(key, 4, aad, sealed)).to.equal(undefined);
    expect(open(key, 3, Buffer.from('other'), sealed)).to.equal(undefined);
    const flipped = Buffer.from(sealed);
    flipped[0]! ^= 1;
    expect(open(key, 3, aad, flipped)).to.equal(undefined);
    expect(openInPlace(key, 3, aad, Buffer.from(flipped))).to.equal(undefined);
    expect(open(key, 3, aad, sealed.subarray(0, AEAD_TAG_BYTES - 1))).to.equal(undefined);
  });
});
