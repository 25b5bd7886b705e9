import { expect } from 'chai';
import {
  CONFIRM_EVERY_MS, CONFIRM_MISSES, DEMAND_SENDS, PATH_CHANGE_HOLD_MS, PROBE_SIZES, PathMtu, RESEARCH_AFTER_MS,
} from '../../src/net/path-mtu.js';

/** The prober's rules on a clock the test moves; probes are recorded instead of sent (sealing is the session's part). */
function prober() {
  let now = 0;
  const probes: { size: number; id: number }[] = [];
  let asked = 0;
  let generation = 1;
  const mtu = new PathMtu({
    sendProbe: (size, id) => {
      probes.push({ size, id });
      return generation;
    },
    askPeer: () => asked++,
  }, () => now);
  return {
    mtu, probes,
    asked: () => asked,
    advance: (ms: number) => (now += ms),
    rekey: () => generation++,
    /** `count` full datagrams at the current size. */
    sendFull: (count: number) => {
      for (let i = 0; i < count; i++) mtu.noteSend(mtu.datagram);
    },
    /** Answer the newest probe as the peer would, with its counts. */
    answer: (counts = { received: 0, highest: 0 }) => {
      const probe = probes.at(-1)!;
      mtu.onAnswer(probe.id, probe.size, counts);
    },
    /** Grow to the largest size. */
    grow() {
      mtu.peerAnswers();
      this.sendFull(DEMAND_SENDS);
      for (let i = 0; i < PROBE_SIZES.length; i++) this.answer();
      expect(mtu.datagram).to.equal(PROBE_SIZES.at(-1));
    },
  };
}

describe('net: path MTU prober rules', () => {
  it('probes nobody who has not said it answers probes, and asks at most once per hold', () => {
    const t = prober();
    t.sendFull(500);
    expect(t.probes).to.deep.equal([]);
    expect(t.asked()).to.equal(1);
    t.advance(RESEARCH_AFTER_MS);
    t.sendFull(DEMAND_SENDS);
    expect(t.asked()).to.equal(2);
    expect(t.mtu.datagram).to.equal(1232);
    t.mtu.peerAnswers(); // its marked keepalive arrived: the waiting demand starts a search
    expect(t.probes.map((p) => p.size)).to.deep.equal([PROBE_SIZES[0]]);
  });

  it('small sends are no demand; only an answer naming a probe and its size raises the size', () => {
    const t = prober();
    t.mtu.peerAnswers();
    for (let i = 0; i < 100; i++) t.mtu.noteSend(200);
    expect(t.probes).to.deep.equal([]);
    t.sendFull(DEMAND_SENDS);
    const probe = t.probes[0]!;
    t.mtu.onAnswer(probe.id, probe.size - 1, { received: 0, highest: 0 }); // not the size that was sent
    t.mtu.onAnswer(probe.id + 100, probe.size, { received: 0, highest: 0 }); // no such probe
    expect(t.mtu.datagram).to.equal(1232);
    t.answer();
    expect(t.mtu.datagram).to.equal(PROBE_SIZES[0]);
    expect(t.probes.at(-1)!.size).to.equal(PROBE_SIZES[1]); // the next size right away
    t.mtu.onAnswer(probe.id, probe.size, { received: 0, highest: 0 }); // a replayed answer: already used
    expect(t.mtu.datagram).to.equal(PROBE_SIZES[0]);
  });

  it('falls back to 1232 at once on a path change and searches again only after a hold', () => {
    const t = prober();
    t.grow();
    t.mtu.pathChanged();
    expect(t.mtu.datagram).to.equal(1232);
    expect(t.mtu.lastFallback).to.equal('path-change');
    const sent = t.probes.length;
    t.sendFull(DEMAND_SENDS * 4);
    expect(t.probes.length).to.equal(sent);
    t.advance(PATH_CHANGE_HOLD_MS);
    t.sendFull(DEMAND_SENDS);
    expect(t.probes.length).to.equal(sent + 1);
  });

  it(`falls back when ${CONFIRM_MISSES} confirmations in a row go unanswered (a black hole), then holds`, () => {
    const t = prober();
    t.grow();
    const sent = t.probes.length;
    for (let i = 0; i <= CONFIRM_MISSES; i++) {
      t.advance(CONFIRM_EVERY_MS);
      t.sendFull(1);
    }
    expect(t.probes.length - sent).to.equal(CONFIRM_MISSES); // the last miss is noticed when the next one is due
    expect(t.mtu.datagram).to.equal(1232);
    expect(t.mtu.lastFallback).to.equal('black-hole');
    t.advance(RESEARCH_AFTER_MS / 2);
    t.sendFull(DEMAND_SENDS * 2);
    expect(t.probes.length - sent).to.equal(CONFIRM_MISSES); // held: no search yet
  });

  it('falls back when loss between two confirmations rises sharply, not at moderate loss, and not across a rekey', () => {
    const t = prober();
    t.grow(); // the last answer's counts (0, 0) are the first sample
    const confirm = (received: number, highest: number) => {
      t.advance(CONFIRM_EVERY_MS);
      t.sendFull(1);
      t.answer({ received, highest });
    };
    confirm(950, 1000); // 5%: a lossy path, but not what fragmentation does
    expect(t.mtu.datagram).to.equal(PROBE_SIZES.at(-1));
    t.rekey();
    confirm(10, 1000); // another key generation: its counts start again, no sample across
    expect(t.mtu.datagram).to.equal(PROBE_SIZES.at(-1));
    confirm(10 + 600, 2000); // 40% lost since the previous answer
    expect(t.mtu.datagram).to.equal(1232);
    expect(t.mtu.lastFallback).to.equal('loss');
  });
});
