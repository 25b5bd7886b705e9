import { expect } from 'chai';
import { fitsPayload } from '../../client/src/app/frames/payload-size.js';

/** How the shell bounds what a framed view sends through the page's socket or into other views. */
describe("client: a framed view's payload bounds", () => {
  it('counts text at its worst case in UTF-8, binary at its length', () => {
    expect(fitsPayload('a'.repeat(1000), 3002)).to.equal(true);
    expect(fitsPayload('a'.repeat(1000), 3001)).to.equal(false);
    expect(fitsPayload(new Uint8Array(4096), 4096)).to.equal(true);
    expect(fitsPayload(new Uint8Array(4097), 4096)).to.equal(false);
    expect(fitsPayload(new ArrayBuffer(4097), 4096)).to.equal(false);
    expect(fitsPayload({ nested: [{ bytes: new Uint8Array(2 << 20) }] }, 1 << 20)).to.equal(false);
    expect(fitsPayload({ key: 'x'.repeat(400_000) }, 1 << 20)).to.equal(false);
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
