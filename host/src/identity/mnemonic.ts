import { pbkdf2Sync } from 'node:crypto';
import { generateMnemonic, mnemonicToEntropy, entropyToMnemonic, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { KithError } from '@kith/sdk';

/** A persona's mnemonic is always 24 English BIP39 words (256 bits of entropy). */
export const MNEMONIC_WORDS = 24;

/** A fresh random 24-word mnemonic. */
export function generatePersonaMnemonic(): string {
  return generateMnemonic(wordlist, 256);
}

/** Normalise spacing and case; throws `KITH_ERR_BAD_MNEMONIC` unless it is a valid 24-word phrase. */
export function normalizeMnemonic(input: unknown): string {
  if (typeof input !== 'string' || input.length > 1000) throw new KithError('KITH_ERR_BAD_MNEMONIC');
  const words = input.normalize('NFKD').trim().toLowerCase().split(/\s+/u);
  if (words.length !== MNEMONIC_WORDS) {
    throw new KithError('KITH_ERR_BAD_MNEMONIC', `The mnemonic must have ${MNEMONIC_WORDS} words, got ${words.length}`);
  }
  const phrase = words.join(' ');
  if (!validateMnemonic(phrase, wordlist)) {
    throw new KithError('KITH_ERR_BAD_MNEMONIC', 'The mnemonic has an unknown word or a wrong checksum');
  }
  return phrase;
}

/** The 32 entropy bytes the vault stores (the phrase is rebuilt from them). */
export function mnemonicEntropy(phrase: string): Uint8Array {
  return mnemonicToEntropy(normalizeMnemonic(phrase), wordlist);
}

export function entropyMnemonic(entropy: Uint8Array): string {
  if (entropy.length !== 32) throw new KithError('KITH_ERR_BAD_MNEMONIC', 'The stored entropy is not 32 bytes');
  return entropyToMnemonic(entropy, wordlist);
}

/**
 * The BIP39 seed (64 bytes): PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase, both
 * NFKD. Computed with node:crypto (native, ~100x faster than the pure-JS one); the published test
 * vectors check it. Kith itself uses no BIP39 passphrase.
 */
export function mnemonicSeed(phrase: string, bip39Passphrase = ''): Uint8Array {
  const seed = pbkdf2Sync(phrase.normalize('NFKD'), `mnemonic${bip39Passphrase}`.normalize('NFKD'), 2048, 64, 'sha512');
  return new Uint8Array(seed.buffer, seed.byteOffset, seed.length);
}
