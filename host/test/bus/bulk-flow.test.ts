import { expect } from 'chai';
import { MIN_BULK_EVENTS_IN_FLIGHT, OutboundFlow, type OutboundContext } from '../../src/bus/outbound-flow.js';
import { SendScheduler } from '../../src/bus/send-scheduler.js';
import { Reassembler } from '../../src/bus/fragments.js';
import { decodeEventFrame } from '../../src/bus/wire/event-frame.js';
import { parseFragmentHeader } from '../../src/bus/wire/control-headers.js';
import type { ChannelHost } from '../../src/bus/channel-host.js';

/** An outbound flow over a scheduler that records datagram sizes instead of sealing them; `size.max` is the link's payload size. */
function flowCountingDatagrams(maxPayload = 1200) {
  const sent: number[] = [];
  const size = { max: maxPayload };
  const scheduler = new SendScheduler((head, tail) => {
    const bytes = head.length + (tail?.length ?? 0);
    if (bytes > size.max) throw new RangeError('too large for the link'); // as a session does
    sent.push(bytes);
  });
  const reports: string[] = [];
  const ctx: OutboundContext = {
    host: { persona: 'me', writes: { mustWait: false, soon: (write: () => unknown) => write() }, store: { revertInflight: () => 0 }, report: (r: { outcome: string }) => reports.push(r.outcome) } as unknown as ChannelHost,
    peer: 'peer', get maxPayload() { return size.max; }, scheduler,
    stats: { retransmits: 0, fragmentRetransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 },
    peerKinds: () => ({ 'test.block': 200 }), ready: () => true, readyAt: () => 0,
  };
  const flow = new OutboundFlow(ctx);
  const stream = new Uint8Array(16).fill(7);
  const send = () => flow.sendVolatile({
    stream, streamHex: Buffer.from(stream).toString('hex'), kind: 'test.block', flags: 0, priority: 'bulk',
    header: new Uint8Array([0xa0]), payload: new Uint8Array(64 * 1024), extensionId: 'test', eventId: 'e',
  });
  return { flow, sent, size, reports, send, streamHex: Buffer.from(stream).toString('hex'), close: () => { flow.close(); scheduler.close(); } };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const busyWait = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a retransmit waits at least 2 ms after the first send
  }
};

describe('bus: bulk events in flight', () => {
  it(`keeps ${MIN_BULK_EVENTS_IN_FLIGHT} 64 KiB events in flight even when the window holds fewer bytes`, () => {
    const t = flowCountingDatagrams();
    try {
      for (let i = 0; i < 10; i++) t.send();
      const perEvent = Math.ceil((64 * 1024 + 40) / (1200 - 40));
      expect(t.flow.flow.bulkWindowBytes).to.be.lessThan(MIN_BULK_EVENTS_IN_FLIGHT * 64 * 1024); // the window alone would stop sooner
      t.flow.pullBulk(Number.POSITIVE_INFINITY);
      expect(t.sent.length).to.equal(MIN_BULK_EVENTS_IN_FLIGHT * perEvent);
      expect(t.flow.flow.bulkInflightBytes).to.equal(sum(t.sent));
      // One event acknowledged: exactly one more may leave, no burst beyond the floor.
      t.flow.onAck(t.streamHex, true, 1);
      t.flow.pullBulk(Number.POSITIVE_INFINITY);
      expect(t.sent.length).to.equal((MIN_BULK_EVENTS_IN_FLIGHT + 1) * perEvent);
      expect(t.flow.flow.bulkInflightBytes).to.equal(sum(t.sent.slice(perEvent)));
      expect(t.reports).to.deep.equal(['delivered']);
    } finally {
      t.close();
    }
  });

  it('the window counts bytes: with 64 KiB datagrams the same bytes leave as with 1200-byte ones, in 2 datagrams an event', () => {
    const small = flowCountingDatagrams(1200);
    const large = flowCountingDatagrams(65_476);
    try {
      for (const t of [small, large]) {
        for (let i = 0; i < 10; i++) t.send();
        t.flow.pullBulk(Number.POSITIVE_INFINITY);
      }
      expect(large.sent.length).to.equal(2 * MIN_BULK_EVENTS_IN_FLIGHT); // 4 events, not 57 datagrams' worth of events
      expect(Math.abs(sum(large.sent) - sum(small.sent))).to.be.lessThan(MIN_BULK_EVENTS_IN_FLIGHT * 57 * 40);
      expect(large.flow.flow.bulkInflightBytes).to.equal(sum(large.sent));
    } finally {
      small.close();
      large.close();
    }
  });

  it('after the link falls back to smaller datagrams, a repeated event is cut again to fit', async () => {
    const t = flowCountingDatagrams(65_476);
    try {
      t.send();
      t.flow.pullBulk(Number.POSITIVE_INFINITY);
      expect(t.sent.length).to.equal(2);
      t.size.max = 1200; // the session fell back (path change, loss)
      busyWait(5);
      t.flow.onNack(t.streamHex, true, [1], 'missing', undefined, [[1]]); // names a piece of the old cut
      await new Promise((resolve) => setTimeout(resolve, 50));
      const repeated = t.sent.slice(2);
      expect(repeated.length).to.equal(Math.ceil((64 * 1024 + 40) / (1200 - 40)));
      expect(Math.max(...repeated)).to.be.at.most(1200);
      expect(t.flow.flow.bulkInflightBytes).to.equal(t.sent[0]! + t.sent[1]!); // counted once, as first sent
    } finally {
      t.close();
    }
  });

  it('a gap NACK naming fragments repeats only those datagrams; one without repeats the whole event', () => {
    const t = flowCountingDatagrams();
    try {
      t.send();
      t.send();
      t.flow.pullBulk(Number.POSITIVE_INFINITY);
      const first = t.sent.length;
      const perEvent = first / 2;
      busyWait(5);
      t.flow.onNack(t.streamHex, true, [1, 2], 'missing', undefined, [[3, 40], null]);
      return new Promise<void>((resolve) => setTimeout(() => {
        // Repeats go out with the next scheduler turns: 2 datagrams of event 1, all of event 2.
        expect(t.sent.length - first).to.equal(2 + perEvent);
        expect(t.reports).to.deep.equal([]);
        resolve();
      }, 50));
    } finally {
      setTimeout(() => t.close(), 60);
    }
  });

  it('a bulk payload is the bytes given to send: a sender may reuse its buffer once send returned, before the window lets the event out', () => {
    for (const maxPayload of [1200, 65_476, 70_000]) {
      const datagrams: Uint8Array[] = [];
      const scheduler = new SendScheduler((head, tail) => datagrams.push(tail ? Buffer.concat([head, tail]) : Buffer.from(head)));
      const ctx: OutboundContext = {
        host: { persona: 'me', writes: { mustWait: false, soon: (write: () => unknown) => write() }, store: { revertInflight: () => 0 }, report: () => undefined } as unknown as ChannelHost,
        peer: 'peer', maxPayload, scheduler,
        stats: { retransmits: 0, fragmentRetransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 },
        peerKinds: () => ({ 'test.block': 200 }), ready: () => true, readyAt: () => 0,
      };
      const flow = new OutboundFlow(ctx);
      const stream = new Uint8Array(16).fill(7);
      const buffer = new Uint8Array(64 * 1024);
      try {
        for (const fill of [0x11, 0x22]) {
          buffer.fill(fill);
          flow.sendVolatile({
            stream, streamHex: Buffer.from(stream).toString('hex'), kind: 'test.block', flags: 0, priority: 'bulk',
            header: new Uint8Array([0xa0]), payload: buffer, extensionId: 'test', eventId: `e${fill}`,
          });
        }
        buffer.fill(0x33); // reused again before either event left
        flow.pullBulk(Number.POSITIVE_INFINITY);
        const reassembler = new Reassembler();
        const payloads: Uint8Array[] = [];
        for (const datagram of datagrams) {
          const frame = decodeEventFrame(datagram);
          if (frame.kind !== 200) {
            const { i, n } = parseFragmentHeader(frame.header);
            const whole = reassembler.add(String(frame.seq), i, n, frame.payload);
            if (whole) payloads.push(decodeEventFrame(whole).payload);
          } else payloads.push(frame.payload);
        }
        expect(payloads.map((p) => [p.length, p[0], p[p.length - 1]]), `datagrams of ${maxPayload}`).to.deep.equal([[65_536, 0x11, 0x11], [65_536, 0x22, 0x22]]);
      } finally {
        flow.close();
        scheduler.close();
      }
    }
  });
});
