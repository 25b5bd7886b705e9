import { expect } from 'chai';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isKithError } from '@kith/sdk';
import {
  entropyMnemonic, generatePersonaMnemonic, mnemonicEntropy, mnemonicSeed, normalizeMnemonic,
} from '../../src/identity/mnemonic.js';

/** Published BIP39 vectors (trezor/python-mnemonic vectors.json, 24-word entries, passphrase "TREZOR"). */
const TREZOR_VECTORS: ReadonlyArray<readonly [entropy: string, mnemonic: string, seed: string]> = [
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art',
    'bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8',
  ],
  [
    '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
    'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
    'bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87',
  ],
  [
    '8080808080808080808080808080808080808080808080808080808080808080',
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless',
    'c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f',
  ],
];

function expectBadMnemonic(input: unknown): void {
  try {
    normalizeMnemonic(input);
  } catch (error) {
    expect(isKithError(error)).to.equal(true);
    expect((error as { code: string; status: number }).code).to.equal('KITH_ERR_BAD_MNEMONIC');
    expect((error as { status: number }).status).to.equal(400);
    return;
  }
  expect.fail(`accepted ${String(input)}`);
}

describe('identity/mnemonic: BIP39 published vectors', () => {
  for (const [entropy, mnemonic, seed] of TREZOR_VECTORS) {
    it(`entropy ${entropy.slice(0, 8)}… ↔ words ↔ seed`, () => {
      expect(entropyMnemonic(hexToBytes(entropy))).to.equal(mnemonic);
      expect(bytesToHex(mnemonicEntropy(mnemonic))).to.equal(entropy);
      expect(bytesToHex(mnemonicSeed(mnemonic, 'TREZOR'))).to.equal(seed);
    });
  }

  it('generates valid 24-word phrases and normalises spacing and case', () => {
    const phrase = generatePersonaMnemonic();
    expect(phrase.split(' ')).to.have.length(24);
    expect(normalizeMnemonic(`  ${phrase.toUpperCase().replace(/ /g, '\n  ')} `)).to.equal(phrase);
  });

  it('refuses malformed mnemonics with KITH_ERR_BAD_MNEMONIC (400)', () => {
    const words = TREZOR_VECTORS[0]![1].split(' ');
    expectBadMnemonic(words.slice(0, 23).join(' ')); // 23 words
    expectBadMnemonic([...words.slice(0, 23), 'abandon'].join(' ')); // wrong checksum
    expectBadMnemonic([...words.slice(0, 23), 'kithx'].join(' ')); // unknown word
    expectBadMnemonic('abandon '.repeat(11) + 'about'); // 12 words: Kith personas are 24
    expectBadMnemonic(42);
    expectBadMnemonic('');
  });
});
