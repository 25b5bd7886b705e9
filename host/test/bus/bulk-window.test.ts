import { expect } from 'chai';
import { BULK_ONLY_TARGET_MS, BULK_QUEUE_TARGET_MS, BulkWindow, INTERACTIVE_MEMORY_MS } from '../../src/bus/bulk-window.js';

describe('bus: delay-based bulk window', () => {
  it('grows while round trips stay near the base, shrinks when queueing delay passes the target', () => {
    const w = new BulkWindow();
    const start = w.size;
    let now = 0;
    for (let i = 0; i < 50; i++) w.onAck(8, 1, (now += 1)); // base 1 ms, no queueing
    const grown = w.size;
    expect(grown).to.be.greaterThan(start);
    for (let i = 0; i < 20; i++) w.onAck(8, 1 + BULK_QUEUE_TARGET_MS * 3, (now += 20)); // queue builds up
    expect(w.size).to.be.lessThan(grown);
    expect(w.size).to.be.at.least(8);
  });

  it('cuts at most once per round trip and halves on a retransmit timeout, never below 8', () => {
    const w = new BulkWindow();
    w.onAck(1, 1, 1);
    const before = w.size;
    w.onAck(1, 30, 100);
    const once = w.size;
    w.onAck(1, 30, 101); // same round trip: no second cut
    expect(w.size).to.equal(once);
    expect(once).to.be.lessThan(before);
    for (let t = 200; t < 2000; t += 50) w.onTimeout(t);
    expect(w.size).to.equal(8);
  });

  it('aims for a short queue while chat or control shares the session, a deeper one for bulk alone', () => {
    const queueing = (BULK_QUEUE_TARGET_MS + BULK_ONLY_TARGET_MS) / 2;
    const alone = new BulkWindow();
    const shared = new BulkWindow();
    alone.onAck(8, 1, 0);
    shared.onAck(8, 1, 0);
    const start = alone.size;
    for (let now = 10; now < 400; now += 10) {
      alone.onAck(8, 1 + queueing, now); // no interactive datagram ever
      shared.onAck(8, 1 + queueing, now, now - 5); // chat sent 5 ms ago
    }
    expect(alone.size).to.be.greaterThan(start);
    expect(shared.size).to.be.lessThan(start);
    // Interactive traffic older than a second no longer holds the window down.
    const later = new BulkWindow();
    later.onAck(8, 1, 0);
    for (let now = 10; now < 400; now += 10) later.onAck(8, 1 + queueing, now, now - INTERACTIVE_MEMORY_MS - 1);
    expect(later.size).to.be.greaterThan(start);
  });

  it('a reported loss cuts by a quarter, at most once per 10 ms', () => {
    const w = new BulkWindow();
    for (let i = 0; i < 40; i++) w.onAck(8, 1, i);
    const before = w.size;
    w.onLoss(100);
    const cut = w.size;
    expect(cut).to.be.closeTo(before * 0.75, 1);
    w.onLoss(105); // same burst of losses: no second cut
    expect(w.size).to.equal(cut);
    w.onLoss(111);
    expect(w.size).to.be.closeTo(cut * 0.75, 1);
  });

  it('re-learns the base round trip after 10 s (a path that got slower is not throttled forever)', () => {
    const w = new BulkWindow();
    w.onAck(1, 1, 0);
    w.onAck(1, 50, 20_000); // new base after the window
    const size = w.size;
    for (let i = 1; i <= 20; i++) w.onAck(8, 50, 20_000 + i);
    expect(w.size).to.be.greaterThan(size);
  });
});
