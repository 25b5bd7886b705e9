import { expect } from 'chai';
import { fitsPayload } from '../../client/src/app/frames/payload-size.js';

/** How the shell bounds what a framed view sends through the page's socket or into other views. */
describe("client: a framed view's payload bounds", () => {
  it('counts text as JSON in UTF-8 (escapes included), binary at its length', () => {
    expect(fitsPayload('a'.repeat(1000), 1002)).to.equal(true);
    expect(fitsPayload('a'.repeat(1000), 1001)).to.equal(false);
    for (const [text, bytes] of [['é', 2], ['€', 3], ['😀', 4], ['"', 2], ['\\', 2], ['\u0001', 6], ['a\nb', 4]] as const) {
      expect(fitsPayload(text, bytes + 2), JSON.stringify(text)).to.equal(true);
      expect(fitsPayload(text, bytes + 1), JSON.stringify(text)).to.equal(false);
      expect(new TextEncoder().encode(JSON.stringify(text)).length, 'as JSON.stringify in UTF-8').to.equal(bytes + 2);
    }
    // A message a page channel allows (1 MiB of text) fits the bound of what a view may send.
    expect(fitsPayload(['id', { text: 'x'.repeat(1 << 20) }], 1.75 * (1 << 20))).to.equal(true);
    expect(fitsPayload('\u0001'.repeat(1 << 19), 1.75 * (1 << 20)), 'escapes make it 3 MiB').to.equal(false);
    expect(fitsPayload(new Uint8Array(4096), 4096)).to.equal(true);
    expect(fitsPayload(new Uint8Array(4097), 4096)).to.equal(false);
    expect(fitsPayload(new ArrayBuffer(4097), 4096)).to.equal(false);
    expect(fitsPayload({ nested: [{ bytes: new Uint8Array(2 << 20) }] }, 1 << 20)).to.equal(false);
    expect(fitsPayload({ key: 'x'.repeat(1_100_000) }, 1 << 20)).to.equal(false);
    expect(fitsPayload({ key: 'x'.repeat(400_000) }, 1 << 20)).to.equal(true);
    expect(fitsPayload({ peer: 'self', n: 3, ok: true, none: null }, 1024)).to.equal(true);
  });

  it('refuses a wide or deep value early, without walking all of it', () => {
    const wide = new Array(1_000_000).fill(0);
    const started = performance.now();
    expect(fitsPayload(wide, 64 << 20)).to.equal(false);
    expect(performance.now() - started, 'ms').to.be.below(1000);
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(fitsPayload(deep, 64 << 20)).to.equal(false);
    // Keys count too: an object of many empty keys is not free.
    expect(fitsPayload(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, ''])), 64 * 1024)).to.equal(false);
  });
});
