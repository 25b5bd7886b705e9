import { expect } from 'chai';
import { BUILTIN_KINDS, KIND_ACK, THIRD_PARTY_KIND_RANGE } from '@kith/sdk';
import {
  FLAG_EOS, FLAG_KEYFRAME, FLAG_VOLATILE, FLAG_WANTS_ACK, decodeEventFrame, encodeEventFrame,
} from '../../src/bus/wire/event-frame.js';
import { decodeHeader, encodeHeader } from '../../src/bus/wire/header-cbor.js';
import {
  AckHeaderSchema, CapabilitiesHeaderSchema, FragmentHeaderSchema, MAX_FRAGMENTS, NackHeaderSchema, parseControlHeader,
  encodeAckHeader, parseAckHeader, parseFragmentHeader,
} from '../../src/bus/wire/control-headers.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// Golden bytes of the bus's own headers, checked by hand against RFC 8949 (docs/wire/*.md explain
// each one), plus a few CBOR shapes headers use. A feature's headers are the owning extension's:
// their vectors come from its real encoder (test/wire/chat-kind-vectors.test.ts for chat).
const GOLDEN_HEADERS: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
  ['bus.ack', { upTo: 7 }, 'a1 6475 70 54 6f 07'],
  ['bus.ack with a repeated refusal', { upTo: 9, refused: [[5, 'kind-disabled']] }, 'a2 647570546f 09 6772656675736564 81 82 05 6d6b696e642d64697361626c6564'],
  ['bus.nack', { seqs: [5], reason: 'kind-disabled', message: 'peer has hello.wave turned off' },
    'a3 6473657173 8105 66726561736f6e 6d6b696e642d64697361626c6564 676d657373616765 781e 70656572206861732068656c6c6f2e77617665207475726e6564206f6666'],
  ['bus.nack missing', { seqs: [3, 4], reason: 'missing' }, 'a2 6473657173 820304 66726561736f6e 676d697373696e67'],
  ['bus.nack missing, fragments named', { seqs: [3, 4], reason: 'missing', frags: [[1, 7], null] },
    'a3 6473657173 820304 66726561736f6e 676d697373696e67 656672616773 82 820107 f6'],
  ['bus.capabilities', { v: 1, rev: 1, ext: { chat: '1.0.0', hello: '0.2.0' }, kinds: { 'hello.wave': 0x80 }, on: ['chat.text', 'hello.wave'] },
    'a5 6176 01 63726576 01 63657874 a2 6463686174 65312e302e30 6568656c6c6f 65302e322e30 656b696e6473 a1 6a68656c6c6f2e77617665 1880 626f6e 82 69636861742e74657874 6a68656c6c6f2e77617665'],
  ['bus.fragment', { i: 0, n: 3 }, 'a2 6169 00 616e 03'],
  ['cbor: empty map', {}, 'a0'],
  ['cbor: text, uint16 values', { purpose: 'file', name: 'a.txt', mime: 'text/plain', size: 2048, chunkSize: 1024 },
    'a5 67707572706f7365 6466696c65 646e616d65 65612e747874 646d696d65 6a746578742f706c61696e 6473697a65 190800 696368756e6b53697a65 190400'],
  ['cbor: true, array of uint', { accept: true, missing: [1] }, 'a2 66616363657074 f5 676d697373696e67 8101'],
  ['cbor: 32-byte byte string, untagged', { chunks: 2, sha256: new Uint8Array(32).fill(0xab) },
    'a2 666368756e6b73 02 66736861323536 5820' + 'ab'.repeat(32)],
  ['cbor: float64 and uint32', { lossPct: 2.5, bitrate: 800000 }, 'a2 676c6f7373506374 fb4004000000000000 67626974726174651a000c3500'],
  ['cbor: Unix ms beyond uint32 as float64', { at: 1767225603000 }, 'a1 626174 fb4279b76dab3b8000'],
];

describe('bus wire: golden bytes', () => {
  for (const [name, header, golden] of GOLDEN_HEADERS) {
    it(`${name} header encodes to its golden bytes and back`, () => {
      const bytes = encodeHeader(header);
      expect(hex(bytes)).to.equal(golden.replace(/\s+/g, ''));
      expect(JSON.parse(JSON.stringify(decodeHeader(bytes), (_k, v) => (v instanceof Uint8Array ? hex(v) : v)))).to.deep.equal(
        JSON.parse(JSON.stringify(header, (_k, v) => (v instanceof Uint8Array ? hex(v) : v))),
      );
    });
  }

  it('an EVENT frame encodes to its golden bytes', () => {
    const stream = unhex('000102030405060708090a0b0c0d0e0f');
    const frame = encodeEventFrame({
      stream, seq: 0x01020304, kind: THIRD_PARTY_KIND_RANGE.first, flags: FLAG_WANTS_ACK | FLAG_EOS,
      header: encodeHeader({ n: 1 }), payload: new TextEncoder().encode('hi'),
    });
    expect(hex(frame)).to.equal('40' + '000102030405060708090a0b0c0d0e0f' + '01020304' + '80' + '05' + '0004' + 'a1616e01' + '6869');
    const back = decodeEventFrame(frame);
    expect(hex(back.stream)).to.equal('000102030405060708090a0b0c0d0e0f');
    expect(back.seq).to.equal(0x01020304);
    expect(back.kind).to.equal(THIRD_PARTY_KIND_RANGE.first);
    expect(back.flags).to.equal(FLAG_WANTS_ACK | FLAG_EOS);
    expect(new TextDecoder().decode(back.payload)).to.equal('hi');
  });

  it('an ACK frame (unsequenced, volatile space) encodes to its golden bytes', () => {
    const frame = encodeEventFrame({ stream: new Uint8Array(16).fill(0xee), seq: 0, kind: KIND_ACK, flags: FLAG_VOLATILE, header: encodeHeader({ upTo: 7 }), payload: new Uint8Array(0) });
    expect(hex(frame)).to.equal('40' + 'ee'.repeat(16) + '00000000' + 'f0' + '08' + '0007' + 'a16475705 46f07'.replace(/\s/g, ''));
  });

  it('round-trips one frame of every built-in kind with every flag combination', () => {
    for (const [name, kind] of Object.entries(BUILTIN_KINDS)) {
      for (const flags of [0, FLAG_EOS, FLAG_KEYFRAME, FLAG_WANTS_ACK, FLAG_WANTS_ACK | FLAG_VOLATILE, 0x0f]) {
        const payload = new Uint8Array([kind, flags, 1, 2, 3]);
        const header = encodeHeader({ kind: name });
        const stream = new Uint8Array(16).map((_, i) => i * kind);
        const back = decodeEventFrame(encodeEventFrame({ stream, seq: kind * 1000 + flags, kind, flags, header, payload }));
        expect(back.kind, name).to.equal(kind);
        expect(back.flags).to.equal(flags);
        expect(back.seq).to.equal(kind * 1000 + flags);
        expect(hex(back.stream)).to.equal(hex(stream));
        expect(hex(back.payload)).to.equal(hex(payload));
        expect(decodeHeader(back.header).kind).to.equal(name);
      }
    }
  });

  it('control headers parse through their schemas and refuse bad fields', () => {
    expect(parseControlHeader(AckHeaderSchema, decodeHeader(encodeHeader({ upTo: 9 })), 'ack').upTo).to.equal(9);
    expect(() => parseControlHeader(AckHeaderSchema, decodeHeader(encodeHeader({ upTo: -1 })), 'ack')).to.throw(/Bad ack header/);
    expect(() => parseControlHeader(NackHeaderSchema, { seqs: [], reason: 'x' }, 'nack')).to.throw(/Bad nack/);
    expect(() => parseControlHeader(NackHeaderSchema, { seqs: Array(65).fill(1), reason: 'x' }, 'nack')).to.throw(/Bad nack/);
    expect(() => parseControlHeader(NackHeaderSchema, { seqs: [1], reason: 'missing', frags: [[MAX_FRAGMENTS]] }, 'nack')).to.throw(/Bad nack/);
    expect(() => parseControlHeader(NackHeaderSchema, { seqs: [1], reason: 'missing', frags: [[]] }, 'nack')).to.throw(/Bad nack/);
    expect(() => parseControlHeader(NackHeaderSchema, { seqs: [1], reason: 'missing', frags: Array(65).fill(null) }, 'nack')).to.throw(/Bad nack/);
    expect(() => parseControlHeader(FragmentHeaderSchema, { i: 3, n: 3 }, 'fragment')).to.throw(/Bad fragment/);
    expect(() => parseControlHeader(CapabilitiesHeaderSchema, { v: 1, rev: 0, ext: {}, kinds: { 'x.y': 0x10 }, on: [] }, 'caps')).to.throw(/Bad caps/);
    const caps = parseControlHeader(CapabilitiesHeaderSchema, decodeHeader(encodeHeader({ v: 1, rev: 2, ext: { hello: '1.0.0' }, kinds: { 'hello.wave': 0x80 }, on: ['hello.wave'] })), 'caps');
    expect(caps.kinds['hello.wave']).to.equal(0x80);
  });

  it('ACK headers: the direct writer and reader agree with the general codec at every uint width', () => {
    for (const upTo of [0, 7, 23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff]) {
      expect(hex(encodeAckHeader(upTo)), String(upTo)).to.equal(hex(encodeHeader({ upTo })));
      expect(parseAckHeader(encodeHeader({ upTo }))).to.deep.equal({ upTo });
    }
    // Non-shortest uints and refusals take the general path, with the same answers.
    expect(parseAckHeader(unhex('a1 6475 70 54 6f 18 07'))).to.deep.equal({ upTo: 7 });
    expect(parseAckHeader(unhex('a1 6475 70 54 6f 1a 00 00 01 00'))).to.deep.equal({ upTo: 256 });
    const withRefusal = parseAckHeader(encodeHeader({ upTo: 9, refused: [[5, 'kind-disabled']] }));
    expect(withRefusal.upTo).to.equal(9);
    expect(withRefusal.refused).to.deep.equal([[5, 'kind-disabled']]);
    for (const bad of ['a1 6475 70 54 6f', 'a1 6475 70 54 6f 20', 'a1 6475 70 54 6f 1b 00 00 00 01 00 00 00 00', 'a1 6475 70 54 6f 07 00']) {
      expect(() => parseAckHeader(unhex(bad)), bad).to.throw(/Bad (ack header|CBOR header)/);
    }
  });

  it('fragment headers: the direct reader agrees with the general decoder on every canonical {i, n} and on other spellings', () => {
    for (let n = 2; n <= MAX_FRAGMENTS; n++) {
      for (let i = 0; i < n; i++) expect(parseFragmentHeader(encodeHeader({ i, n }))).to.deep.equal({ i, n });
    }
    // Valid CBOR the direct reader does not take (keys swapped, a non-shortest uint): same answer.
    expect(parseFragmentHeader(unhex('a2 616e 03 6169 01'))).to.deep.equal({ i: 1, n: 3 });
    expect(parseFragmentHeader(unhex('a2 6169 1801 616e 1803'))).to.deep.equal({ i: 1, n: 3 });
    // Out of range, trailing bytes, truncated, missing keys: all refused.
    for (const bad of ['a2 6169 03 616e 03', 'a2 6169 00 616e 1841', 'a2 6169 00 616e 01', 'a2 6169 00 616e 02 00', 'a2 6169 00 616e', 'a0']) {
      expect(() => parseFragmentHeader(unhex(bad)), bad).to.throw(/Bad (fragment header|CBOR header)/);
    }
  });
});
