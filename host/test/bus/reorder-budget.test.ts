import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  HELD_EVENT_COST, InboundStream, REORDER_BYTES, REORDER_BYTES_PER_PEER, ReorderBudget,
} from '../../src/bus/inbound-streams.js';
import type { EventFrame } from '../../src/bus/wire/event-frame.js';
import { createTestPeer } from './support/test-peer.js';
import { linkPair } from './support/link-pair.js';

const frame = (seq: number, payloadBytes: number): EventFrame =>
  ({ stream: randomBytes(16), seq, kind: 1, flags: 4, header: new Uint8Array(1), payload: new Uint8Array(payloadBytes) }) as EventFrame;

/**
 * Out-of-order events a friend makes us hold. One friend used to fill the engine's whole 32 MiB
 * with events that never become deliverable (seq 2 on fresh streams, never seq 1), after which no
 * reliable event from anyone was taken, also after that friend left.
 */
describe('bus: the reorder budget', () => {
  it('gives each friend a share: one friend filling its own leaves room for the others', () => {
    const engine = new ReorderBudget(REORDER_BYTES);
    const mallory = new ReorderBudget(REORDER_BYTES_PER_PEER, engine);
    const carol = new ReorderBudget(REORDER_BYTES_PER_PEER, engine);
    let held = 0;
    for (let i = 0; i < 1000; i++) if (new InboundStream(0, mallory).hold(frame(2, 60_000))) held++;
    expect(mallory.bytes).to.be.at.most(REORDER_BYTES_PER_PEER);
    expect(held).to.be.below(REORDER_BYTES_PER_PEER / 60_000 + 1);
    expect(engine.bytes).to.equal(mallory.bytes);
    // Carol's events ahead of a gap are still held.
    expect(new InboundStream(0, carol).hold(frame(2, 60_000))).to.equal(true);
  });

  it('charges each held event a fixed cost, so one-byte events on many streams meet the bound too', () => {
    const mallory = new ReorderBudget(REORDER_BYTES_PER_PEER, new ReorderBudget(REORDER_BYTES));
    let held = 0;
    for (let i = 0; i < 100_000; i++) if (new InboundStream(0, mallory).hold(frame(2, 1))) held++;
    expect(held).to.be.at.most(REORDER_BYTES_PER_PEER / HELD_EVENT_COST);
  });

  it('always takes the next event in order, even with the budget spent', () => {
    const engine = new ReorderBudget(REORDER_BYTES);
    const full = new ReorderBudget(REORDER_BYTES_PER_PEER, engine);
    while (new InboundStream(0, full).hold(frame(2, 60_000)));
    while (new InboundStream(0, full).hold(frame(2, 1)));
    const stream = new InboundStream(0, full);
    expect(stream.hold(frame(2, 100)), 'ahead of a gap: refused').to.equal(false);
    expect(stream.hold(frame(1, 100)), 'in order: taken').to.equal(true);
    const before = full.bytes;
    expect(stream.takeNext()?.seq).to.equal(1);
    expect(full.bytes).to.equal(before - 101 - HELD_EVENT_COST);
  });

  it('gives a friend\'s held events back when its session ends (none was acknowledged; the sender sends them again)', async () => {
    const [victim, mallory] = await Promise.all([createTestPeer(), createTestPeer()]);
    try {
      const pair = await linkPair(victim, mallory);
      const peer = mallory.keys.masterPublicKey;
      let held = 0;
      for (let i = 0; i < 200; i++) if (victim.engine.durableInbound(peer, randomBytes(16).toString('hex')).hold(frame(2, 60_000))) held++;
      expect(held).to.be.greaterThan(100);
      expect(victim.engine.reorderBudget.bytes).to.be.greaterThan(0);
      expect(victim.engine.reorderBudget.bytes).to.be.at.most(REORDER_BYTES_PER_PEER);
      await pair.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(victim.engine.reorderBudget.bytes).to.equal(0);
      expect(victim.engine.reorderBudgetFor(peer).bytes).to.equal(0);
    } finally {
      await Promise.all([victim.close(), mallory.close()]);
    }
  });
});
