import { expect } from 'chai';
import { TokenBucketStore } from '../src/server/token-bucket-store.js';

describe('rendezvous rate limit: token bucket per client', () => {
  it('charges a costly request extra tokens, into debt of at most one bucket', () => {
    let now = 0;
    const store = new TokenBucketStore({ capacity: 10, windowMs: 10_000, clock: () => now });
    const allowed = (key: string) => store.increment(key).totalHits <= 10;
    expect(allowed('a')).to.equal(true); // 9 left
    store.charge('a', 12); // -3
    expect(allowed('a')).to.equal(false);
    expect(store.increment('a').resetTime!.getTime()).to.equal(4000); // back to one token after 4 s
    now = 3999;
    expect(allowed('a')).to.equal(false);
    now = 4000;
    expect(allowed('a')).to.equal(true);
    store.charge('b', 1000);
    now = 4000 + 20_000; // the debt is bounded: after two bucket windows 'b' is full again
    for (let i = 0; i < 10; i++) expect(allowed('b')).to.equal(true);
  });

  it('allows a full bucket at once, then refills evenly', () => {
    let now = 0;
    const store = new TokenBucketStore({ capacity: 10, windowMs: 10_000, clock: () => now });
    const allowed = (key: string) => store.increment(key).totalHits <= 10;
    for (let i = 0; i < 10; i++) expect(allowed('a'), `request ${i}`).to.equal(true);
    expect(allowed('a')).to.equal(false);
    expect(store.increment('a').resetTime!.getTime()).to.equal(1000); // one token per second
    expect(allowed('b')).to.equal(true); // another client is unaffected
    now = 999;
    expect(allowed('a')).to.equal(false);
    now = 1000;
    expect(allowed('a')).to.equal(true);
    expect(allowed('a')).to.equal(false);
    now = 1000 + 60_000; // idle: the bucket refills to capacity, never beyond
    for (let i = 0; i < 10; i++) expect(allowed('a')).to.equal(true);
    expect(allowed('a')).to.equal(false);
  });

  it('bounds the number of tracked clients, dropping the least recently seen', () => {
    const store = new TokenBucketStore({ capacity: 1, windowMs: 60_000, maxClients: 3, clock: () => 0 });
    for (const key of ['a', 'b', 'c']) store.increment(key);
    store.increment('a'); // a is now the most recent
    store.increment('d'); // evicts b
    expect(store.size).to.equal(3);
    expect(store.increment('a').totalHits).to.equal(2); // still empty: refused
    expect(store.increment('b').totalHits).to.equal(1); // forgotten: starts full
  });
});
