/**
 * The channel endpoint both ends run, wired back to back in memory (the transport is a queue the
 * test drains by hand), so credit, queue policies and protocol violations are checked exactly.
 */
import { expect } from 'chai';
import { ChannelEndpoint, channelTerms, checkChannelMessage, type ChannelTerms, type PageChannelMessage } from '@kith/sdk';

type Packet = { kind: 'message'; message: PageChannelMessage } | { kind: 'credit'; messages: number; bytes: number } | { kind: 'close'; reason: string };

function endpoint(terms: ChannelTerms, wire: Packet[]): ChannelEndpoint {
  return new ChannelEndpoint({
    name: 'test',
    page: 'p',
    terms,
    onListenerError: (error) => {
      throw error;
    },
    transport: {
      message: (message) => wire.push({ kind: 'message', message }),
      credit: (messages, bytes) => wire.push({ kind: 'credit', messages, bytes }),
      close: (reason) => wire.push({ kind: 'close', reason }),
    },
  });
}

/** Deliver every packet on `wire` to `to`. */
function flush(wire: Packet[], to: ChannelEndpoint): void {
  for (const packet of wire.splice(0)) {
    if (packet.kind === 'message') to.receive(packet.message);
    else if (packet.kind === 'credit') to.grant(packet.messages, packet.bytes);
    else to.end('closed-by-peer');
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('page channel endpoint (credit window, queue policies, protocol checks)', () => {
  it('puts at most one window on the wire, queues the rest, and drop-oldest drops the oldest queued', () => {
    const wire: Packet[] = [];
    const sender = endpoint(channelTerms({ policy: 'drop-oldest', queueMessages: 4 }), wire);
    for (let i = 0; i < 40; i++) expect(sender.send(i)).to.equal(true);
    expect(wire).to.have.length(32);
    expect(sender.stats).to.include({ sent: 32, queuedMessages: 4, dropped: 4, inFlightMessages: 32 });
    sender.grant(32, sender.stats.inFlightBytes);
    expect(wire.slice(32).map((p) => (p as { message: number }).message)).to.deep.equal([36, 37, 38, 39]);
  });

  it('pause refuses once the queue is full and fires onDidDrain when it is half empty', async () => {
    const wire: Packet[] = [];
    const sender = endpoint(channelTerms({ policy: 'pause', queueMessages: 4 }), wire);
    let accepted = 0;
    while (sender.send(new Uint8Array(10))) accepted++;
    expect(accepted).to.equal(36);
    expect(sender.stats).to.include({ refused: 1, dropped: 0 });
    expect(sender.writable).to.equal(false);
    let drained = 0;
    sender.onDidDrain(() => drained++);
    const writable = sender.whenWritable();
    sender.grant(1, 10); // one slot: the queue goes 4 -> 3, not yet half
    expect(drained).to.equal(0);
    sender.grant(1, 10);
    expect(drained).to.equal(1);
    await writable;
  });

  it('hands credit back only after a listener (and its promise) is done, batched by a quarter window', async () => {
    const toReceiver: Packet[] = [];
    const toSender: Packet[] = [];
    const sender = endpoint(channelTerms(), toReceiver);
    const receiver = endpoint(channelTerms(), toSender);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: unknown[] = [];
    receiver.onDidReceive(async (message) => {
      seen.push(message);
      if (seen.length === 1) await gate;
    });
    for (let i = 0; i < 20; i++) sender.send(i);
    flush(toReceiver, receiver);
    await tick();
    expect(seen).to.deep.equal([0]);
    expect(toSender).to.deep.equal([]);
    release();
    await tick();
    expect(seen).to.have.length(20);
    const credit = toSender.filter((p) => p.kind === 'credit') as Array<{ messages: number }>;
    expect(credit.reduce((sum, p) => sum + p.messages, 0)).to.equal(20);
    expect(credit.length).to.be.at.most(4);
    flush(toSender, sender);
    expect(sender.stats.inFlightMessages).to.equal(0);
  });

  it('keeps messages that arrive before the first listener for it', async () => {
    const wire: Packet[] = [];
    const receiver = endpoint(channelTerms(), []);
    const sender = endpoint(channelTerms(), wire);
    sender.send('early');
    flush(wire, receiver);
    const seen: unknown[] = [];
    receiver.onDidReceive((m) => void seen.push(m));
    await tick();
    expect(seen).to.deep.equal(['early']);
  });

  it('closes with protocol-error on a message beyond the credit, an oversized one, or bogus credit', () => {
    for (const misbehave of [
      (r: ChannelEndpoint) => { for (let i = 0; i < 33; i++) r.receive(i); },
      (r: ChannelEndpoint) => r.receive(new Uint8Array(1024 * 1024 + 1)),
      (r: ChannelEndpoint) => r.receive({ f: (() => 1) as unknown as number }),
      (r: ChannelEndpoint) => r.grant(1, 0),
      (r: ChannelEndpoint) => r.grant(-1, 'x'),
    ]) {
      const wire: Packet[] = [];
      const receiver = endpoint(channelTerms(), wire);
      const reasons: string[] = [];
      receiver.onDidClose(({ reason }) => reasons.push(reason));
      misbehave(receiver);
      expect(reasons).to.deep.equal(['protocol-error']);
      expect(wire.at(-1)).to.deep.equal({ kind: 'close', reason: 'protocol-error' });
    }
  });

  it('sizes messages by their bytes, refuses non-plain data and bad options', () => {
    expect(checkChannelMessage(new Uint8Array(100), 1000).bytes).to.equal(100);
    expect(checkChannelMessage({ a: 'é' }, 1000).bytes).to.equal(1 + 1 + 2);
    expect(checkChannelMessage(new ArrayBuffer(3), 10).message).to.be.instanceOf(Uint8Array);
    expect(() => checkChannelMessage(new Map() as never, 10)).to.throw(/plain data/);
    expect(() => checkChannelMessage(Number.NaN, 10)).to.throw(/finite/);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => checkChannelMessage(deep as never, 1000)).to.throw(/deeper/);
    expect(() => channelTerms({ policy: 'lossy' as never })).to.throw(/policy/);
    expect(() => channelTerms({ queueMessages: 0 })).to.throw(/queueMessages/);
    expect(() => channelTerms({ maxMessageBytes: 2 * 1024 * 1024 })).to.throw(/maxMessageBytes/);
  });

  it('after close: send throws KITH_ERR_CONFLICT, whenWritable rejects, late packets are ignored', async () => {
    const wire: Packet[] = [];
    const channel = endpoint(channelTerms(), wire);
    channel.close();
    expect(wire).to.deep.equal([{ kind: 'close', reason: 'closed' }]);
    expect(() => channel.send(1)).to.throw().with.property('code', 'KITH_ERR_CONFLICT');
    let code: string | undefined;
    await channel.whenWritable().catch((error) => (code = error.code));
    expect(code).to.equal('KITH_ERR_CONFLICT');
    channel.receive(1);
    channel.grant(1, 1);
    expect(wire).to.have.length(1);
  });
});
