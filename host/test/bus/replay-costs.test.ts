import { expect } from 'chai';
import { InboundStream, REFUSAL_REPEAT_INTERVAL_MS, GAP_NACK_INTERVAL_MS, ReorderBudget } from '../../src/bus/inbound-streams.js';
import { MAX_STORED_REFUSALS_PER_PEER } from '../../src/bus/inbound-marks.js';
import { createTestPeer } from './support/test-peer.js';

/**
 * What a friend replaying events costs us. Replaying a refused event drew a NACK and an ACK
 * listing refusals per copy (~20 bytes out per byte in), and events of a refused kind on fresh
 * streams stored up to 64 refusals per stream on 16,384 streams (a million rows per friend).
 */
describe('bus: replays and refusals are bounded', () => {
  it('repeats a refusal and a duplicate\'s ACK at most once per interval, however many copies arrive', () => {
    const state = new InboundStream(5, new ReorderBudget(1 << 20));
    let refusals = 0;
    let acks = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = i / 100; // 10,000 copies in 100 ms
      if (state.mayRepeatRefusal(3, now)) refusals++;
      if (state.mayAckDuplicate(now)) acks++;
    }
    expect(refusals).to.equal(1);
    expect(acks).to.equal(Math.ceil(100 / GAP_NACK_INTERVAL_MS));
    // A retransmit after the interval (a lost NACK) gets the refusal again.
    expect(state.mayRepeatRefusal(3, 100 + REFUSAL_REPEAT_INTERVAL_MS)).to.equal(true);
  });

  it(`stores at most ${MAX_STORED_REFUSALS_PER_PEER} refusals per friend (the newest), whatever the streams`, async () => {
    const peer = await createTestPeer();
    try {
      const { marks } = peer.engine;
      const persona = peer.keys.masterPublicKey;
      const hostile = 'c'.repeat(64);
      const honest = 'd'.repeat(64);
      const refusal = { reason: 'kind-unknown', message: 'no handler' };
      marks.set(persona, honest, 'chat', 1, refusal, 1);
      peer.database.sqlite.transaction(() => {
        for (let i = 0; i < 3 * MAX_STORED_REFUSALS_PER_PEER; i++) marks.set(persona, hostile, `s${i}`, 1, refusal, 10 + i);
      })();
      const honestRefusals = marks.refusals(persona, honest, 'chat');
      expect(honestRefusals).to.have.length(1);
      const all = (peer.database.sqlite.prepare('SELECT COUNT(*) AS n FROM bus_in_refusals').get() as { n: number }).n;
      expect(all - 1, 'the hostile friend\'s stored refusals').to.be.at.most(MAX_STORED_REFUSALS_PER_PEER + 256);
      expect(marks.refusals(persona, hostile, `s${3 * MAX_STORED_REFUSALS_PER_PEER - 1}`)).to.have.length(1);
      expect(marks.refusals(persona, hostile, 's0')).to.deep.equal([]);
    } finally {
      await peer.close();
    }
  });
});
