import { expect } from 'chai';
import { ByteSlab } from '../../src/core/byte-slab.js';

describe('core/byte-slab: short-lived buffers from shared slabs', () => {
  it('hands out disjoint, aligned views of one slab, then starts a new slab when it is full', () => {
    const slab = new ByteSlab(4096);
    const a = slab.take(100);
    const b = slab.take(100);
    expect(a.buffer).to.equal(b.buffer);
    expect(b.byteOffset).to.equal(a.byteOffset + 104); // 8-byte aligned
    a.fill(1);
    b.fill(2);
    expect([...a].every((x) => x === 1)).to.equal(true); // writing b did not touch a
    const views = [a, b];
    for (let i = 0; i < 60; i++) views.push(slab.take(100));
    const buffers = new Set(views.map((v) => v.buffer));
    expect(buffers.size).to.equal(2); // 4096 / 104 = 39 per slab
    for (const v of views) expect(v.length).to.equal(100);
  });

  it('gives a large request its own buffer instead of a slab', () => {
    const slab = new ByteSlab(4096);
    const small = slab.take(16);
    const large = slab.take(1024);
    expect(large.buffer).to.not.equal(small.buffer);
    expect(large.byteLength).to.equal(1024);
    expect(slab.take(16).buffer).to.equal(small.buffer);
  });
});
