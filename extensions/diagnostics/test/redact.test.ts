/** The shared report's redaction: keys, labels and addresses, in structured fields and free text. */
import { expect } from 'chai';
import { Redactor } from '../src/report/redact.js';

describe('diagnostics: report redaction', () => {
  const key = 'ab'.repeat(32);
  const other = 'cd'.repeat(32);

  it('numbers keys consistently, hides labels, masks addresses and keeps ports and times', () => {
    const r = new Redactor(['Alice Canary', 'Bob']);
    const out = r.redact({
      peer: key,
      label: 'Alice Canary',
      detail: `punch to 203.0.113.7:4000 and [2001:db8:1::2]:5000 for ${key} by Bob at 13:45:12, then ${other}`,
      list: [{ remote: '10.1.0.2:1234' }, { remote: 'fe80::1%eth0' }],
      n: 3,
    });
    expect(out.peer).to.equal('key#1');
    expect(out.label).to.equal('[label]');
    expect(out.detail).to.equal('punch to 203.x.x.x:4000 and [2001:x:…]:5000 for key#1 by [label] at 13:45:12, then key#2');
    expect(out.list[0]!.remote).to.equal('10.x.x.x:1234');
    expect(out.list[1]!.remote).to.match(/^fe80:x:…/);
    expect(out.n).to.equal(3);
    const text = JSON.stringify(out);
    for (const leak of [key, other, 'Alice', '203.0.113.7', '2001:db8:1::2', '10.1.0.2']) expect(text).to.not.include(leak);
  });

  it('numbers shortened ids too (a room id prefix would let a reader check guesses of the room word)', () => {
    const r = new Redactor([]);
    expect(r.text('127.0.0.1:8788 room f70ccacb… sealed_announce')).to.equal('127.x.x.x:8788 room key#1… sealed_announce');
    expect(r.text('room f70ccacb… again, attempt 1a2b3c4d5e6f, took 12345678 ms')).to.equal('room key#1… again, attempt 1a2b3c4d5e6f, took 12345678 ms');
  });

  it('masks full eight-group IPv6 addresses and uppercase keys', () => {
    const r = new Redactor([]);
    expect(r.text('2001:0db8:0000:0000:0000:ff00:0042:8329')).to.equal('2001:x:…');
    expect(r.text(key.toUpperCase())).to.equal('key#1');
  });
});
