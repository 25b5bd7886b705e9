import { expect } from 'chai';
import { MIN_BULK_EVENTS_IN_FLIGHT, OutboundFlow, type OutboundContext } from '../../src/bus/outbound-flow.js';
import { SendScheduler } from '../../src/bus/send-scheduler.js';
import type { ChannelHost } from '../../src/bus/channel-host.js';

/** An outbound flow over a scheduler that counts datagrams instead of sealing them. */
function flowCountingDatagrams() {
  const sent: number[] = [];
  const scheduler = new SendScheduler((head, tail) => sent.push(head.length + (tail?.length ?? 0)));
  const reports: string[] = [];
  const ctx: OutboundContext = {
    host: { persona: 'me', store: { revertInflight: () => 0 }, report: (r: { outcome: string }) => reports.push(r.outcome) } as unknown as ChannelHost,
    peer: 'peer', maxPayload: 1200, scheduler,
    stats: { retransmits: 0, fragmentRetransmits: 0, badFrames: 0, duplicates: 0, gapNacks: 0 },
    peerKinds: () => ({ 'test.block': 200 }), ready: () => true, readyAt: () => 0,
  };
  const flow = new OutboundFlow(ctx);
  const stream = new Uint8Array(16).fill(7);
  const send = () => flow.sendVolatile({
    stream, streamHex: Buffer.from(stream).toString('hex'), kind: 'test.block', flags: 0, priority: 'bulk',
    header: new Uint8Array([0xa0]), payload: new Uint8Array(64 * 1024), extensionId: 'test', eventId: 'e',
  });
  return { flow, sent, reports, send, streamHex: Buffer.from(stream).toString('hex'), close: () => { flow.close(); scheduler.close(); } };
}

describe('bus: bulk events in flight', () => {
  it(`keeps ${MIN_BULK_EVENTS_IN_FLIGHT} 64 KiB events in flight even when the datagram window holds fewer`, () => {
    const t = flowCountingDatagrams();
    try {
      for (let i = 0; i < 10; i++) t.send();
      const perEvent = Math.ceil((64 * 1024 + 40) / (1200 - 40));
      expect(t.flow.flow.bulkWindow).to.be.lessThan(MIN_BULK_EVENTS_IN_FLIGHT * perEvent); // the window alone would stop sooner
      t.flow.pullBulk(10_000);
      expect(t.flow.flow.bulkInflight).to.be.at.least(MIN_BULK_EVENTS_IN_FLIGHT * perEvent);
      const events = t.flow.flow.bulkInflight / perEvent;
      expect(t.sent.length).to.equal(t.flow.flow.bulkInflight);
      // One event acknowledged: exactly one more may leave, no burst beyond the floor.
      t.flow.onAck(t.streamHex, true, 1);
      t.flow.pullBulk(10_000);
      expect(t.flow.flow.bulkInflight / perEvent).to.equal(events);
      expect(t.reports).to.deep.equal(['delivered']);
    } finally {
      t.close();
    }
  });

  it('a gap NACK naming fragments repeats only those datagrams; one without repeats the whole event', () => {
    const t = flowCountingDatagrams();
    try {
      t.send();
      t.send();
      t.flow.pullBulk(10_000);
      const first = t.sent.length;
      const perEvent = first / 2;
      const waitUntil = performance.now() + 5;
      while (performance.now() < waitUntil) {
        // a retransmit waits at least 2 ms after the first send
      }
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
});
