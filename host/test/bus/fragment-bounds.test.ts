import { expect } from 'chai';
import { OutboundFlow, type OutboundContext } from '../../src/bus/outbound-flow.js';
import { SendScheduler } from '../../src/bus/send-scheduler.js';
import { MAX_PARTIAL_BYTES, MAX_PARTIAL_EVENT_BYTES, Reassembler, cutEvent } from '../../src/bus/fragments.js';
import { decodeEventFrame, FLAG_VOLATILE, FLAG_WANTS_ACK } from '../../src/bus/wire/event-frame.js';
import { parseFragmentHeader } from '../../src/bus/wire/control-headers.js';
import type { ChannelHost } from '../../src/bus/channel-host.js';

const busyWait = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a repeat waits at least 2 ms after the send
  }
};
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An outbound flow whose scheduler counts the bytes it would send. */
function countingFlow() {
  const sent = { datagrams: 0, bytes: 0 };
  const scheduler = new SendScheduler((head, tail) => {
    sent.datagrams++;
    sent.bytes += head.length + (tail?.length ?? 0);
  });
  const ctx: OutboundContext = {
    host: { persona: 'me', writes: { mustWait: false, soon: (write: () => unknown) => write() }, store: { revertInflight: () => 0 }, report: () => undefined } as unknown as ChannelHost,
    peer: 'peer', maxPayload: 1200, scheduler,
    stats: { retransmits: 0, fragmentRetransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 },
    peerKinds: () => ({ 'test.chat': 200 }), ready: () => true, readyAt: () => 0,
  };
  const flow = new OutboundFlow(ctx);
  const stream = new Uint8Array(16).fill(9);
  const streamHex = Buffer.from(stream).toString('hex');
  const send = (bytes: number) => flow.sendVolatile({
    stream, streamHex, kind: 'test.chat', flags: 0, priority: 'interactive',
    header: new Uint8Array([0xa0]), payload: new Uint8Array(bytes), extensionId: 'test', eventId: 'e',
  });
  return { flow, sent, streamHex, send, stats: ctx.stats, close: () => { flow.close(); scheduler.close(); } };
}

describe('bus: fragment repeats and reassembly are bounded (hostile peer)', () => {
  it('1,000 identical NACKs naming fragments repeat them once, not 1,000 times', async () => {
    const t = countingFlow();
    try {
      t.send(20_000); // 18 pieces at 1200
      await tick(20);
      const first = { ...t.sent };
      expect(first.datagrams).to.equal(18);
      busyWait(5);
      const lacking = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
      for (let k = 0; k < 1000; k++) t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [lacking]);
      await tick(20);
      const repeated = t.sent.bytes - first.bytes;
      // One honest repeat of the 17 pieces (about 20 KB); without a bound, 1,000 of them (20 MB).
      expect(t.sent.datagrams - first.datagrams).to.equal(17);
      expect(repeated).to.be.at.most(first.bytes);
      expect(t.stats.fragmentRetransmits).to.equal(1);
      // A piece named twice in one NACK leaves once.
      busyWait(45);
      t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [[17, 17, 17, 17]]);
      await tick(20);
      expect(t.sent.datagrams - first.datagrams).to.equal(18);
    } finally {
      t.close();
    }
  });

  it('a repeated piece is repeated again for a later NACK once a round trip (≥ 40 ms) passed', async () => {
    const t = countingFlow();
    try {
      t.send(5_000);
      await tick(20);
      const first = t.sent.datagrams;
      busyWait(3);
      t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [[1]]);
      t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [[1]]);
      await tick(5);
      expect(t.sent.datagrams - first).to.equal(1);
      await tick(45);
      t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [[1]]);
      await tick(5);
      expect(t.sent.datagrams - first).to.equal(2); // the first repeat was lost too: repaired again
    } finally {
      t.close();
    }
  });

  it('1,000 identical NACKs without fragments repeat the whole event once', async () => {
    const t = countingFlow();
    try {
      t.send(5_000);
      await tick(20);
      const first = t.sent.datagrams;
      busyWait(5);
      for (let k = 0; k < 1000; k++) t.flow.onNack(t.streamHex, true, [1], 'missing', undefined);
      await tick(20);
      expect(t.sent.datagrams - first).to.equal(first);
    } finally {
      t.close();
    }
  });

  it('holds at most MAX_PARTIAL_BYTES of pieces for 32 × 63 pieces of 65 KB, and an honest event still reassembles', () => {
    const r = new Reassembler();
    const piece = new Uint8Array(65_000);
    let peak = 0;
    for (let i = 0; i < 63; i++) {
      for (let e = 0; e < 32; e++) {
        expect(r.add(`0:hostile:${e}`, i, 64, piece, 1_000 + i)).to.equal(undefined);
        peak = Math.max(peak, r.bytes);
      }
    }
    expect(peak).to.be.at.most(MAX_PARTIAL_BYTES);
    expect(peak).to.be.at.most(2 * 65_000 * 32); // no event keeps more than MAX_PARTIAL_EVENT_BYTES
    expect(MAX_PARTIAL_EVENT_BYTES).to.equal(74_304);

    // The largest event (cut at the base size) still reassembles after the storm, with the storm's
    // pieces still held (the bytes it needs evict the oldest of them).
    const frame = { stream: new Uint8Array(16).fill(1), seq: 7, kind: 200, flags: FLAG_WANTS_ACK | FLAG_VOLATILE, header: new Uint8Array([0xa0]), payload: new Uint8Array(MAX_PARTIAL_EVENT_BYTES - 25 - 1).fill(3) };
    const datagrams = cutEvent(frame, 1201);
    expect(datagrams.length).to.equal(64);
    let whole: Uint8Array | undefined;
    for (const d of datagrams) {
      const bytes = 'head' in d ? Buffer.concat([d.head, d.tail ?? new Uint8Array(0)]) : Buffer.from(d);
      const f = decodeEventFrame(bytes);
      const { i, n } = parseFragmentHeader(f.header);
      whole = r.add('1:honest:7', i, n, f.payload, 2_000) ?? whole;
      expect(r.bytes).to.be.at.most(MAX_PARTIAL_BYTES);
    }
    expect(whole).to.not.equal(undefined);
    const decoded = decodeEventFrame(whole!);
    expect(decoded.seq).to.equal(7);
    expect(Buffer.from(decoded.payload).equals(Buffer.from(frame.payload))).to.equal(true);
  });

  it('expires partials after 10 s without waiting for a piece of a new event, and forgets their bytes', () => {
    const r = new Reassembler();
    r.add('a', 0, 3, new Uint8Array(1000), 0);
    r.add('b', 0, 3, new Uint8Array(1000), 0);
    expect(r.bytes).to.equal(2000);
    r.add('b', 1, 3, new Uint8Array(1000), 20_000); // a piece of a known event also sweeps
    expect(r.size).to.equal(1);
    expect(r.bytes).to.equal(1000);
    r.clear(); // the session ended
    expect(r.size).to.equal(0);
    expect(r.bytes).to.equal(0);
  });

  it('a lost-piece NACK names the lacking pieces once per event per 100 ms, and at most ~32 a second per session', () => {
    const r = new Reassembler();
    const piece = new Uint8Array(10);
    // The same lone last piece, repeated.
    let reports = 0;
    for (let k = 0; k < 1000; k++) {
      r.add('x', 63, 64, piece, 1_000 + k / 100);
      if ((r.lackingAfterLastPiece('x', 1_000 + k / 100) ?? []).length > 0) reports++;
    }
    expect(reports).to.equal(1);
    // Lone last pieces of fresh events.
    reports = 0;
    for (let k = 0; k < 3000; k++) {
      r.add(`fresh:${k}`, 63, 64, piece, 5_000 + k / 10); // 300 ms
      if ((r.lackingAfterLastPiece(`fresh:${k}`, 5_000 + k / 10) ?? []).length > 0) reports++;
    }
    expect(reports).to.be.at.most(32 + 10);
    // A gap NACK (the channel limits those) always gets the lacking pieces.
    r.add('y', 0, 3, piece, 6_000);
    r.add('y', 2, 3, piece, 6_000);
    for (let k = 0; k < 3; k++) expect(r.lacking('y')).to.deep.equal([1]);
  });
});
