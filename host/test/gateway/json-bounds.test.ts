/**
 * The bounds on JSON (depth and number of values) checked on the text before parsing, and the
 * depth of a value parsed already (socket frames): exact at the edges, strings skipped whatever
 * they hold, without recursion.
 */
import { expect } from 'chai';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES, jsonTextRefusal, nestedDeeperThan } from '../../src/gateway/json-bounds.js';

const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const refusal = (text: string) => jsonTextRefusal(Buffer.from(text));

describe('gateway: JSON bounds', () => {
  it('refuses text nested deeper than the bound, and takes the bound itself', () => {
    expect(refusal(arrays(MAX_JSON_DEPTH))).to.equal(undefined);
    expect(refusal(arrays(MAX_JSON_DEPTH + 1))).to.equal(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(refusal(`{"a":${arrays(MAX_JSON_DEPTH - 1)}}`)).to.equal(undefined);
    expect(refusal(`{"a":${arrays(MAX_JSON_DEPTH)}}`)).to.equal(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    // Siblings do not add up: only what is open at once counts.
    expect(refusal(`[${Array.from({ length: 1000 }, () => arrays(MAX_JSON_DEPTH - 1)).join(',')}]`)).to.equal(undefined);
  });

  it('refuses more values than the bound, counting array elements and object members', () => {
    const numbers = (n: number) => `[${Array.from({ length: n }, () => '1').join(',')}]`;
    expect(refusal(numbers(MAX_JSON_VALUES - 1))).to.equal(undefined);
    expect(refusal(numbers(MAX_JSON_VALUES + 1))).to.equal(`holds more than ${MAX_JSON_VALUES} values`);
    const members = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":0`).join(',')}}`;
    expect(refusal(members(MAX_JSON_VALUES + 1))).to.equal(`holds more than ${MAX_JSON_VALUES} values`);
  });

  it('skips strings, escaped quotes and backslashes included, however long', () => {
    expect(refusal(JSON.stringify({ text: arrays(5000) + ','.repeat(MAX_JSON_VALUES * 2) }))).to.equal(undefined);
    expect(refusal(JSON.stringify({ text: 'say \\"[[[\\" and \\\\', more: arrays(3) }))).to.equal(undefined);
    expect(refusal(`{"text":"ends with a backslash\\\\","deep":${arrays(MAX_JSON_DEPTH)}}`)).to.equal(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    const base64 = Buffer.alloc(48 * 1024 * 1024, 0xab).toString('base64');
    expect(refusal(JSON.stringify({ name: 'big.bin', data: base64 }))).to.equal(undefined);
    // Unterminated: left for the parser to refuse.
    expect(refusal('{"open')).to.equal(undefined);
  });

  it('walks a parsed value without recursion: each array or object a level', () => {
    expect(nestedDeeperThan(42)).to.equal(false);
    expect(nestedDeeperThan(null)).to.equal(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 3)).to.equal(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 2)).to.equal(true);
    expect(nestedDeeperThan(JSON.parse(arrays(MAX_JSON_DEPTH)))).to.equal(false);
    expect(nestedDeeperThan(JSON.parse(arrays(MAX_JSON_DEPTH + 1)))).to.equal(true);
    expect(nestedDeeperThan(JSON.parse(arrays(100_000)))).to.equal(true);
  });
});
