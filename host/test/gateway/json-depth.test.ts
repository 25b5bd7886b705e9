/** The nesting bound on parsed JSON (bodies, socket frames): counted without recursion, exact at the edge. */
import { expect } from 'chai';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../src/gateway/json-depth.js';

const arrays = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);

describe('gateway: JSON nesting bound', () => {
  it('counts each array or object as a level, scalars as none', () => {
    expect(nestedDeeperThan(42)).to.equal(false);
    expect(nestedDeeperThan(null)).to.equal(false);
    expect(nestedDeeperThan('x'.repeat(1000))).to.equal(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 3)).to.equal(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 2)).to.equal(true);
    expect(nestedDeeperThan(arrays(MAX_JSON_DEPTH))).to.equal(false);
    expect(nestedDeeperThan(arrays(MAX_JSON_DEPTH + 1))).to.equal(true);
  });

  it('finds a deep branch beside wide shallow ones, and walks 100,000 levels without overflowing', () => {
    const wide = { many: Array.from({ length: 10_000 }, (_, i) => ({ i })), deep: arrays(70) };
    expect(nestedDeeperThan(wide)).to.equal(true);
    expect(nestedDeeperThan(arrays(100_000))).to.equal(true);
  });
});
