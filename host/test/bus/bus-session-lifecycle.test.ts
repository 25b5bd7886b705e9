import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { DeliveryReport, KindRegistry, SessionClosed, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { encodeEventFrame } from '../../src/bus/wire/event-frame.js';
import { encodeHeader } from '../../src/bus/wire/header-cbor.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { linkPair, until, type LinkPair } from './support/link-pair.js';

describe('bus: session lifecycle and hostile datagrams', function () {
  this.timeout(60_000);
  let a: TestPeer;
  let b: TestPeer;
  let pairs: LinkPair[] = [];

  beforeEach(async () => {
    a = await createTestPeer();
    b = await createTestPeer();
  });
  afterEach(async () => {
    for (const pair of pairs.splice(0)) await pair.close();
    await a.close();
    await b.close();
  });

  const ctx = (peer: TestPeer) => {
    const scope = peer.scope('chat', ['chat.text']);
    const p = busProviders(peer.engine, () => undefined);
    return { scope, kinds: p.kinds!(scope) as KindRegistry, sessions: p.sessions!(scope) as Sessions, streams: p.streams!(scope) as Streams };
  };
  const states = (peer: TestPeer) =>
    Object.fromEntries((peer.database.sqlite.prepare('SELECT state, COUNT(*) AS n FROM bus_outbound GROUP BY state').all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));

  it('a session closing mid-drain puts in-flight rows back to pending; the next session finishes exactly once, in order', async () => {
    const sender = ctx(a);
    const receiver = ctx(b);
    const got: number[] = [];
    receiver.kinds.register('chat.text', async (e) => {
      await new Promise((r) => setTimeout(r, 1)); // slow handler: the drain is still running when the session closes
      got.push(e.header.n as number);
    });
    const delivered: DeliveryReport[] = [];
    const closed: SessionClosed[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    sender.sessions.onDidClose((c) => closed.push(c));
    const peer = b.keys.masterPublicKey;
    const stream = sender.streams.forFriend(peer, 'chat');
    for (let n = 0; n < 120; n++) await sender.sessions.send(peer, stream, 'chat.text', { n });
    expect(states(a)).to.deep.equal({ pending: 120 });

    const first = await linkPair(a, b);
    pairs.push(first);
    await until(() => got.length >= 20, 10_000, 'the first deliveries');
    expect(states(a).inflight).to.be.greaterThan(0);
    first.ab.close('closed-locally');
    first.ba.close('closed-by-peer');
    expect(closed).to.have.length(1);
    expect(closed[0]!.reason).to.equal('closed-locally');
    expect(states(a).inflight ?? 0).to.equal(0);
    expect(sender.sessions.all).to.deep.equal([]);

    pairs.push(await linkPair(a, b));
    await until(() => delivered.length === 120 && got.length === 120, 20_000, 'everything after the second session');
    expect(got).to.deep.equal([...Array(120).keys()]);
    expect(new Set(delivered.map((d) => d.seq)).size).to.equal(120);
    expect(states(a)).to.deep.equal({});
  });

  it('locking the persona ends its sessions and refuses sends', async () => {
    const sender = ctx(a);
    ctx(b).kinds.register('chat.text', () => undefined);
    const closed: SessionClosed[] = [];
    sender.sessions.onDidClose((c) => closed.push(c));
    pairs.push(await linkPair(a, b));
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined);
    a.lock();
    expect(closed.map((c) => c.reason)).to.deep.equal(['locked']);
    expect(sender.sessions.all).to.deep.equal([]);
    try {
      await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'chat.text', {});
      expect.fail('send while locked');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('KITH_ERR_LOCKED');
    }
  });

  it('survives 20 000 hostile datagrams: garbage, truncated frames, unknown kinds, huge seqs, bad fragments', async () => {
    const receiver = ctx(b);
    const got: unknown[] = [];
    receiver.kinds.register('chat.text', (e) => {
      got.push(e.header);
    });
    const pair = await linkPair(a, b);
    pairs.push(pair);
    await until(() => ctx(a).sessions.get(b.keys.masterPublicKey) !== undefined);
    const channel = b.engine.channel(a.keys.masterPublicKey)!;
    const stream = randomBytes(16);
    const frame = (kind: number, seq: number, flags: number, header: object, payload = new Uint8Array(0)) =>
      encodeEventFrame({ stream, seq, kind, flags, header: encodeHeader(header as Record<string, unknown>), payload });
    const hostile: Uint8Array[] = [];
    for (let i = 0; i < 5000; i++) hostile.push(randomBytes(1 + (i % 1200)));
    for (let i = 0; i < 5000; i++) hostile.push(frame(0x01, i, 0x04, { n: i }).subarray(0, 1 + (i % 24))); // shorter than the fixed head
    for (let i = 0; i < 3000; i++) hostile.push(frame(0x60 + (i % 16), 1 + i, 0x04, {})); // unassigned kinds
    for (let i = 0; i < 3000; i++) hostile.push(frame(0x01, 0xffff_0000 + i, 0x04, { far: true })); // beyond the reorder window
    for (let i = 0; i < 2000; i++) hostile.push(frame(0xf3, 1, 0x04, { i: i % 70, n: 2 + (i % 80) }, randomBytes(50))); // fragments
    for (let i = 0; i < 2000; i++) hostile.push(frame(0xf0 + (i % 3), 0, i % 2 ? 0x08 : 0, { upTo: -i, seqs: 'x', v: 9 })); // bad control
    for (const datagram of hostile) channel.onDatagram(datagram);
    expect(got).to.deep.equal([]);
    expect(channel.stats.badFrames).to.be.greaterThan(10_000);
    // Still healthy: a real event goes through afterwards.
    const sender = ctx(a);
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'chat.text', { after: true });
    await until(() => got.length === 1, 5000, 'a real event after the storm');
    expect(got[0]).to.deep.include({ after: true });
  });
});
