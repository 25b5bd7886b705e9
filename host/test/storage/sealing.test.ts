import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { isKithError } from '@kith/sdk';
import { openBytes, openText, sealBytes, sealText, SEAL_TEXT_PREFIX } from '../../src/storage/sealing.js';

function expectSealInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isKithError(error), String(error)).to.equal(true);
    expect((error as { code: string }).code).to.equal('KITH_ERR_SEAL_INVALID');
    return;
  }
  expect.fail('expected KITH_ERR_SEAL_INVALID');
}

describe('storage/sealing', () => {
  const key = new Uint8Array(randomBytes(32));

  it('round-trips text and bytes, with a fresh nonce each time', () => {
    const text = 'hello, friend — 👋';
    const a = sealText(key, text);
    const b = sealText(key, text);
    expect(a.startsWith(SEAL_TEXT_PREFIX)).to.equal(true);
    expect(a).to.not.equal(b);
    expect(a).to.not.contain('hello');
    expect(openText(key, a)).to.equal(text);
    const bytes = new Uint8Array(randomBytes(1000));
    const sealed = sealBytes(key, bytes);
    expect(sealed[0]).to.equal(1);
    expect(Buffer.from(openBytes(key, sealed)).equals(Buffer.from(bytes))).to.equal(true);
    expect(openBytes(key, sealBytes(key, new Uint8Array(0))).length).to.equal(0);
  });

  it('matches the reference XChaCha20-Poly1305 (noble)', () => {
    const plain = new Uint8Array(randomBytes(333));
    const sealed = sealBytes(key, plain);
    const nonce = sealed.subarray(1, 25);
    const aad = new TextEncoder().encode('kith:seal:v1');
    const reference = xchacha20poly1305(key, nonce, aad).encrypt(plain);
    expect(Buffer.from(sealed.subarray(25)).equals(Buffer.from(reference))).to.equal(true);
  });

  it('rejects tampering, truncation, a wrong key and an unknown version with KITH_ERR_SEAL_INVALID', () => {
    const sealed = sealBytes(key, new TextEncoder().encode('secret'));
    for (let i = 0; i < sealed.length; i++) {
      const flipped = sealed.slice();
      flipped[i]! ^= 0x01;
      expectSealInvalid(() => openBytes(key, flipped));
    }
    expectSealInvalid(() => openBytes(key, sealed.subarray(0, sealed.length - 1)));
    expectSealInvalid(() => openBytes(key, sealed.subarray(0, 10)));
    expectSealInvalid(() => openBytes(new Uint8Array(randomBytes(32)), sealed));
    const text = sealText(key, 'secret');
    expectSealInvalid(() => openText(key, text.slice(0, -2)));
    expectSealInvalid(() => openText(key, text.replace('kith:seal:v1:', 'kith:seal:v2:')));
    expectSealInvalid(() => openText(key, text + '!'));
    expectSealInvalid(() => openText(new Uint8Array(randomBytes(32)), text));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => sealBytes(new Uint8Array(16), new Uint8Array(1))).to.throw(RangeError);
  });
});
