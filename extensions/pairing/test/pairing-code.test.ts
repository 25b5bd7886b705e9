import { expect } from 'chai';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { chooseNameplate } from '../src/nameplate.js';
import { CODE_WORDS, generateCode, generateInviteCode, normalizeCode, pairingPassword, pairingRoom } from '../src/pairing-code.js';
import { WORD_LIST } from '../src/word-list.js';

describe('pairing code', () => {
  it('has a curated list of 256 distinct, sorted, lowercase words', () => {
    expect(WORD_LIST).to.have.length(256);
    expect(new Set(WORD_LIST).size).to.equal(256);
    expect([...WORD_LIST].sort()).to.deep.equal(WORD_LIST);
    for (const word of WORD_LIST) expect(word).to.match(/^[a-z]{3,8}$/);
  });

  it('generates codes of a number and 4 secret words that differ between calls', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const code = generateCode(37);
      expect(code.canonical).to.match(/^37(-[a-z]+){4}$/);
      expect(code.nameplate).to.equal('37');
      expect(code.secretWords).to.have.length(CODE_WORDS);
      for (const word of code.secretWords) expect(WORD_LIST).to.include(word);
      codes.add(code.canonical);
    }
    expect(codes.size).to.be.greaterThan(45);
    expect(() => generateCode(0)).to.throw(RangeError);
    expect(() => generateCode(1000)).to.throw(RangeError);
  });

  it('normalises case, whitespace and separators to one canonical spelling', () => {
    const canonical = '37-apple-river-zebra-clock';
    for (const typed of ['37-apple-river-zebra-clock', ' 37 Apple River  ZEBRA clock ', '037_apple.river,zebra,clock', '37+APPLE+river\tzebra\nclock']) {
      expect(normalizeCode(typed).canonical).to.equal(canonical);
    }
  });

  it('refuses unknown words, wrong lengths, old number-less codes and non-strings with a clear message', () => {
    expect(() => normalizeCode('37 apple river zebra clocks')).to.throw(/"clocks" is not a pairing-code word/);
    expect(() => normalizeCode('37 apple river zebra')).to.throw(/a number and 4 words.*got 3/);
    expect(() => normalizeCode('apple river zebra clock')).to.throw(/no number/);
    expect(() => normalizeCode('0 apple river zebra clock')).to.throw(/from 1 to 999/);
    expect(() => normalizeCode('1000 apple river zebra clock')).to.throw(/from 1 to 999/);
    expect(() => normalizeCode(42)).to.throw(/must be a string/);
    expect(() => normalizeCode('apple '.repeat(100))).to.throw(/too long/);
  });

  it('names the room by the number only: the secret words never enter it', () => {
    const room = pairingRoom(normalizeCode('37 apple river zebra clock'));
    expect(room).to.match(/^[0-9a-f]{64}$/);
    expect(pairingRoom(normalizeCode('37-tiger-drum-owl-fox'))).to.equal(room);
    expect(pairingRoom(normalizeCode('38 apple river zebra clock'))).to.not.equal(room);
    // The old room (a hash of the first two words) is not what is used any more.
    expect(room).to.not.equal(bytesToHex(sha256(utf8ToBytes('kith-pair/v1/room/4/apple-river'))));
    expect(new TextDecoder().decode(pairingPassword(normalizeCode('37 apple river zebra clock')))).to.equal('apple-river-zebra-clock');
  });

  it('splits an invite code into 4 room words and 8 secret words', () => {
    const invite = generateInviteCode();
    expect(invite.kind).to.equal('invite');
    expect(invite.canonical.split('-')).to.have.length(12);
    expect(invite.secretWords).to.have.length(8);
    expect(normalizeCode(invite.canonical)).to.deep.equal(invite);
    const sameRoomWords = normalizeCode([...invite.canonical.split('-').slice(0, 4), ...Array(8).fill('apple')].join(' '));
    expect(pairingRoom(sameRoomWords)).to.equal(pairingRoom(invite));
  });

  it('chooses a nameplate whose room is empty, short ones first, and says so when every room tried is taken', async () => {
    const asked: number[] = [];
    const free = await chooseNameplate(async (n) => {
      asked.push(n);
      return asked.length === 3;
    });
    expect(asked).to.have.length(3);
    expect(free).to.equal(asked[2]);
    for (const n of asked) expect(n).to.be.within(1, 99);
    expect(await chooseNameplate(async () => undefined)).to.be.within(1, 99);
    const error = await chooseNameplate(async () => false).catch((e) => e);
    expect(error.code).to.equal('KITH_ERR_CONFLICT');
    expect(error.details.reason).to.equal('rooms-busy');
  });
});
