import { expect } from 'chai';
import { BURST, REPEAT_MS, TypingGate } from '../src/typing-gate.js';

describe('chat typing gate', () => {
  let now = 1_000_000;
  const gate = () => new TypingGate(() => now);

  it('passes changes, drops a repeated state until it is worth a refresh', () => {
    const g = gate();
    expect(g.pass('bob', true)).to.equal(true);
    expect(g.pass('bob', true)).to.equal(false);
    now += REPEAT_MS - 1;
    expect(g.pass('bob', true)).to.equal(false);
    now += 1;
    expect(g.pass('bob', true)).to.equal(true); // refreshes the friend's indicator
    expect(g.pass('bob', false)).to.equal(true);
  });

  it('lets a flood of alternating states through only as far as the budget, per friend', () => {
    const g = gate();
    let passed = 0;
    for (let i = 0; i < 10_000; i++) if (g.pass('bob', i % 2 === 0)) passed++;
    expect(passed).to.equal(BURST);
    // Another friend has a budget of its own.
    expect(g.pass('carol', true)).to.equal(true);
    // One a second afterwards.
    now += 1000;
    expect([g.pass('bob', false), g.pass('bob', true)].filter(Boolean)).to.have.length(1);
  });
});
