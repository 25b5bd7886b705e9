import { expect } from 'chai';
import { CODE_WORDS, generateCode, normalizeCode, pairingRoom } from '../src/pairing-code.js';
import { WORD_LIST } from '../src/word-list.js';

describe('pairing code', () => {
  it('has a curated list of 256 distinct, sorted, lowercase words', () => {
    expect(WORD_LIST).to.have.length(256);
    expect(new Set(WORD_LIST).size).to.equal(256);
    expect([...WORD_LIST].sort()).to.deep.equal(WORD_LIST);
    for (const word of WORD_LIST) expect(word).to.match(/^[a-z]{3,8}$/);
  });

  it('generates 4-word codes from the list that differ between calls', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const code = generateCode();
      expect(code.words).to.have.length(CODE_WORDS);
      for (const word of code.words) expect(WORD_LIST).to.include(word);
      codes.add(code.canonical);
    }
    expect(codes.size).to.be.greaterThan(45);
  });

  it('normalises case, whitespace and separators to one canonical spelling', () => {
    const canonical = 'apple-river-zebra-clock';
    for (const typed of ['apple-river-zebra-clock', ' Apple River  ZEBRA clock ', 'apple_river.zebra,clock', 'APPLE+river\tzebra\nclock']) {
      expect(normalizeCode(typed).canonical).to.equal(canonical);
    }
  });

  it('refuses unknown words, wrong lengths and non-strings with a clear message', () => {
    expect(() => normalizeCode('apple river zebra clocks')).to.throw(/"clocks" is not a pairing-code word/);
    expect(() => normalizeCode('apple river zebra')).to.throw(/has 4 words; got 3/);
    expect(() => normalizeCode(42)).to.throw(/must be a string/);
    expect(() => normalizeCode('apple '.repeat(100))).to.throw(/too long/);
  });

  it('derives the room from a versioned hash of the first two words only', () => {
    const a = pairingRoom(normalizeCode('apple river zebra clock'));
    expect(a).to.match(/^[0-9a-f]{64}$/);
    expect(pairingRoom(normalizeCode('APPLE-RIVER-tiger-drum'))).to.equal(a);
    expect(pairingRoom(normalizeCode('apple robot zebra clock'))).to.not.equal(a);
  });
});
