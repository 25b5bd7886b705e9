import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { decodeEventFrame, encodeEventFrame } from '../../src/bus/wire/event-frame.js';
import { decodeHeader, encodeHeader, MAX_HEADER_BYTES } from '../../src/bus/wire/header-cbor.js';

const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('bus wire: hostile input', () => {
  it('refuses frames that are short, mistagged, flagged unknown or whose header runs past the end', () => {
    expect(() => decodeEventFrame(new Uint8Array(24))).to.throw(/shorter than/);
    const good = encodeEventFrame({ stream: new Uint8Array(16), seq: 1, kind: 1, flags: 0, header: unhex('a0'), payload: new Uint8Array(0) });
    const mistag = good.slice(); mistag[0] = 0x41;
    expect(() => decodeEventFrame(mistag)).to.throw(/not EVENT/);
    const badFlags = good.slice(); badFlags[22] = 0x80;
    expect(() => decodeEventFrame(badFlags)).to.throw(/unknown flags/);
    const longHeader = good.slice(); longHeader[24] = 2;
    expect(() => decodeEventFrame(longHeader)).to.throw(/runs past/);
    const hugeHeader = good.slice(); hugeHeader[23] = 0xff; hugeHeader[24] = 0xff;
    expect(() => decodeEventFrame(hugeHeader)).to.throw(/exceeds/);
  });

  it('refuses prototype-polluting keys and returns null-prototype objects', () => {
    for (const key of ['695f5f70726f746f5f5f', '6b636f6e7374727563746f72', '6970726f746f74797065']) {
      // { <key>: { polluted: true } }
      const bytes = unhex(`a1 ${key} a1 68706f6c6c75746564 f5`);
      expect(() => decodeHeader(bytes)).to.throw(/forbidden key/);
    }
    const nested = unhex('a1 6161 81 a1 695f5f70726f746f5f5f 01');
    expect(() => decodeHeader(nested)).to.throw(/forbidden key/);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    const ok = decodeHeader(encodeHeader({ a: { b: 1 } }));
    expect(Object.getPrototypeOf(ok)).to.equal(null);
    expect(Object.getPrototypeOf(ok.a)).to.equal(null);
  });

  it('refuses tags (cbor-x records, dates, constructor-by-name), indefinite lengths and undefined', () => {
    expect(() => decodeHeader(unhex('a1 6161 c1 1a 00000001'))).to.throw(/tags are not allowed/); // epoch date
    expect(() => decodeHeader(unhex('a1 6161 d8 1b 82 654572726f72 6178'))).to.throw(/tags are not allowed/); // tag 27 by name
    expect(() => decodeHeader(unhex('bf 6161 01 ff'))).to.throw(/indefinite/);
    expect(() => decodeHeader(unhex('a1 6161 f7'))).to.throw(/simple value 23/);
    expect(() => decodeHeader(unhex('a1 01 01'))).to.throw(/not a text string/);
    expect(() => decodeHeader(unhex('81 01'))).to.throw(/not a CBOR map/);
    expect(() => decodeHeader(unhex('a1 6161 01 00'))).to.throw(/trailing/);
    expect(() => decodeHeader(unhex('a1 6161 5a ffffffff'))).to.throw(/longer than/);
    expect(() => decodeHeader(unhex('a2 6161 01'))).to.throw(/truncated/);
  });

  it('bounds depth and item count before decoding', () => {
    // 1000 nested arrays would overflow nothing here, but are refused at depth 9.
    const deep = new Uint8Array([0xa1, 0x61, 0x61, ...new Array(1000).fill(0x81), 0x01]);
    expect(() => decodeHeader(deep)).to.throw(/nested too deep/);
    const wide = unhex('a1 6161 990258' + '01'.repeat(600));
    expect(() => decodeHeader(wide)).to.throw(/too many items/);
    const claimsMillions = unhex('a1 6161 9a 00ffffff');
    expect(() => decodeHeader(claimsMillions)).to.throw(/too many items/);
    expect(() => decodeHeader(new Uint8Array(MAX_HEADER_BYTES + 1).fill(0xa0))).to.throw(/exceeds/);
  });

  it('survives 20 000 random mutations of a valid frame with only KITH_ERR_BAD_FRAME or a valid result', () => {
    const base = encodeEventFrame({
      stream: randomBytes(16), seq: 9, kind: 1, flags: 4,
      header: encodeHeader({ id: 'x', list: [1, 'two', { three: new Uint8Array([3]) }], n: 1.5 }), payload: randomBytes(40),
    });
    for (let i = 0; i < 20_000; i++) {
      const bytes = base.slice(0, 1 + Math.floor(Math.random() * base.length));
      for (let j = 0; j < 3; j++) bytes[Math.floor(Math.random() * bytes.length)] = Math.floor(Math.random() * 256);
      bytes[0] = 0x40;
      try {
        decodeHeader(decodeEventFrame(bytes).header);
      } catch (error) {
        expect((error as { code?: string }).code, String(error)).to.equal('KITH_ERR_BAD_FRAME');
      }
    }
  });

  it('refuses to encode non-plain headers', () => {
    expect(() => encodeHeader({ d: new Date() })).to.throw(/plain/);
    expect(() => encodeHeader({ f: () => 1 } as never)).to.throw(/cannot be sent/);
    expect(() => encodeHeader({ u: undefined })).to.throw(/undefined/);
    expect(() => encodeHeader({ big: 'x'.repeat(MAX_HEADER_BYTES) })).to.throw(/limit/);
  });
});
