import { expect } from 'chai';
import { KithError, type InboundEvent, type NackReport, type DeliveryReport, type Sessions, type KindRegistry, type Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { freshPeersEachTest, linkPair, until } from './support/link-pair.js';

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);
const CHAT_KINDS = ['chat.text', 'chat.typing-start', 'stream.open', 'stream.close', 'file.chunk'];

describe('bus: delivery between two peers over UDP loopback', () => {
  const peers = freshPeersEachTest();
  let a: TestPeer;
  let b: TestPeer;
  beforeEach(() => ({ a, b } = peers));

  function contextOf(peer: TestPeer, id: string, kinds: string[], builtin = true) {
    const scope = peer.scope(id, kinds, { builtin });
    const providers = busProviders(peer.engine, () => undefined);
    return {
      scope,
      kinds: providers.kinds!(scope) as KindRegistry,
      sessions: providers.sessions!(scope) as Sessions,
      streams: providers.streams!(scope) as Streams,
    };
  }

  it('keeps queued events when taking them for sending fails (an I/O error), and sends them once the store works', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    const got: InboundEvent[] = [];
    receiver.kinds.register('chat.text', (event) => {
      got.push(event);
    });
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm1', sentAt: 1 }, text('after the disk'));
    // Taking rows reads and writes the queue: the first two tries meet an I/O error, as SQLite reports it.
    const store = a.engine.store;
    const takePending = store.takePending.bind(store);
    let refused = 0;
    store.takePending = (...args: Parameters<typeof takePending>) => {
      if (refused < 2) {
        refused++;
        throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      }
      return takePending(...args);
    };
    try {
      peers.pair = await linkPair(a, b);
      await until(() => got.length === 1, 10_000, 'delivery after the failed takes');
    } finally {
      store.takePending = takePending;
    }
    expect(refused).to.equal(2);
    expect(untext(got[0]!.payload)).to.equal('after the disk');
  });

  it('queues a reliable event while offline, drains it when the session opens, reports delivered, empties the queue', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    const got: InboundEvent[] = [];
    receiver.kinds.register('chat.text', (event) => {
      got.push(event);
    });
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    expect(receiver.streams.forFriend(a.keys.masterPublicKey, 'chat')).to.equal(stream);

    const receipt = await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm1', sentAt: 1 }, text('hello'));
    expect(receipt).to.include({ queued: true, seq: 1, stream });
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(1);
    // Sealed at rest: the body is not in the SQLite row.
    const row = a.database.sqlite.prepare('SELECT sealed FROM bus_outbound').get() as { sealed: Buffer };
    expect(Buffer.from(row.sealed).includes(Buffer.from('hello'))).to.equal(false);

    const opened: string[] = [];
    sender.sessions.onDidOpen((s) => opened.push(s.peer));
    peers.pair = await linkPair(a, b);
    await until(() => delivered.length === 1, 5000, 'delivery');
    expect(opened).to.deep.equal([b.keys.masterPublicKey]);
    expect(got).to.have.length(1);
    expect(got[0]).to.include({ peer: a.keys.masterPublicKey, stream, seq: 1, kind: 'chat.text' });
    expect(got[0]!.header).to.deep.include({ id: 'm1', sentAt: 1 });
    expect(untext(got[0]!.payload)).to.equal('hello');
    expect(delivered[0]).to.deep.equal({ eventId: receipt.eventId, peer: b.keys.masterPublicKey, stream, seq: 1, kind: 'chat.text' });
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(0);
    expect(sender.sessions.get(b.keys.masterPublicKey)?.peerExtensions).to.deep.equal({ chat: '1.0.0' });

    // Live now: the next event is not queued, and sequence numbers continue.
    const next = await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm2', sentAt: 2 }, text('again'));
    expect(next).to.include({ queued: false, seq: 2 });
    await until(() => delivered.length === 2);
    expect(got.map((e) => untext(e.payload))).to.deep.equal(['hello', 'again']);
  });

  it('negotiates a third-party kind at session open and carries it end to end', async () => {
    const sender = contextOf(a, 'hello', ['hello.wave'], false);
    const receiver = contextOf(b, 'hello', ['hello.wave'], false);
    const other = contextOf(b, 'other', ['other.ping'], false);
    other.kinds.register('other.ping', () => undefined); // takes byte 0x80 on b, so hello.wave gets 0x81
    const got: InboundEvent[] = [];
    receiver.kinds.register('hello.wave', (event) => {
      got.push(event);
    });
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidDeliver((r) => delivered.push(r));
    peers.pair = await linkPair(a, b);
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined, 5000, 'session');
    expect(sender.sessions.get(b.keys.masterPublicKey)!.peerExtensions).to.deep.equal({ hello: '1.0.0', other: '1.0.0' });
    expect(a.engine.channel(b.keys.masterPublicKey)!.peerCapabilities!.kinds).to.deep.equal({ 'other.ping': 0x80, 'hello.wave': 0x81 });
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'hello.wave', { n: 1 }, text('👋'));
    await until(() => delivered.length === 1);
    expect(got[0]).to.include({ kind: 'hello.wave' });
    expect(untext(got[0]!.payload)).to.equal('👋');
  });

  it('a disabled kind yields a visible NACK: onDidNack for the sender extension and bus:nack for the UI', async () => {
    const uiEvents: Array<{ name: string; payload: any }> = [];
    await a.close();
    a = await createTestPeer({ ui: { emit: (name, payload) => uiEvents.push({ name, payload }) } });
    const sender = contextOf(a, 'calls', ['stream.open', 'audio.frame']);
    const receiver = contextOf(b, 'files', ['stream.open']);
    receiver.kinds.register('stream.open', () => undefined, { purpose: 'file' }); // files on, calls off
    const nacks: NackReport[] = [];
    sender.sessions.onDidNack((n) => nacks.push(n));
    peers.pair = await linkPair(a, b);
    const stream = sender.streams.random();
    const receipt = await sender.sessions.send(b.keys.masterPublicKey, stream, 'stream.open', { purpose: 'audio' });
    await until(() => nacks.length === 1, 5000, 'nack');
    expect(nacks[0]).to.deep.include({ eventId: receipt.eventId, kind: 'stream.open', reason: 'kind-disabled', message: 'peer has stream.open (audio) turned off' });
    const uiNack = uiEvents.find((e) => e.name === 'bus:nack');
    expect(uiNack!.payload).to.include({ extension: 'calls', reason: 'kind-disabled' });
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(0);
  });

  it('a bulk event of a kind the peer does not announce is refused kind-unknown here, not thrown in the send loop', async () => {
    // Before: the bulk event waited for the window and then threw "kind undefined is not a byte"
    // from the send scheduler's turn, an uncaught exception in the host.
    const sender = contextOf(a, 'voice', ['voice.chunk'], false);
    const chat = contextOf(a, 'chat', CHAT_KINDS);
    contextOf(b, 'chat', CHAT_KINDS).kinds.register('chat.text', () => undefined);
    const nacks: NackReport[] = [];
    sender.sessions.onDidNack((n) => nacks.push(n));
    const delivered: DeliveryReport[] = [];
    chat.sessions.onDidDeliver((d) => delivered.push(d));
    peers.pair = await linkPair(a, b);
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined, 5000, 'the session ready');
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'voice');
    const big = await sender.sessions.send(b.keys.masterPublicKey, stream, 'voice.chunk', {}, new Uint8Array(70_000), { priority: 'bulk' });
    const small = await sender.sessions.send(b.keys.masterPublicKey, stream, 'voice.chunk', {}, new Uint8Array(10), { priority: 'bulk' });
    await until(() => nacks.length === 2, 5000, 'both refused');
    expect(nacks.map((n) => [n.eventId, n.reason])).to.deep.equal([[big.eventId, 'kind-unknown'], [small.eventId, 'kind-unknown']]);
    // The session goes on: a kind the peer has is delivered.
    await chat.sessions.send(b.keys.masterPublicKey, chat.streams.forFriend(b.keys.masterPublicKey, 'chat'), 'chat.text', {}, text('still here'));
    await until(() => delivered.length === 1, 5000, 'a later delivery');
  });

  it('a KithError from a handler refuses that event with its code and keeps the extension running; one met while stopping leaves the event for later', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    let stopping = true;
    const taken: string[] = [];
    receiver.kinds.register('chat.text', (event) => {
      const body = untext(event.payload);
      if (body === 'gone') throw new KithError('KITH_ERR_BLOB_NOT_FOUND', 'No blob 1234 (a local detail)');
      if (body === 'mid-lock' && stopping) {
        stopping = false;
        throw new KithError('KITH_ERR_LOCKED');
      }
      taken.push(body);
    });
    const nacks: NackReport[] = [];
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidNack((n) => nacks.push(n));
    sender.sessions.onDidDeliver((d) => delivered.push(d));
    peers.pair = await linkPair(a, b);
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    for (const body of ['gone', 'mid-lock', 'fine']) await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', {}, text(body));
    await until(() => nacks.length === 1 && delivered.length === 2, 10_000, 'one refusal, two deliveries');
    // The friend reads the code only: the message was written for the local user.
    expect(nacks[0]).to.include({ reason: 'refused', seq: 1, message: 'KITH_ERR_BLOB_NOT_FOUND' });
    // The event met while stopping was not consumed: sent again, then taken, in order.
    expect(taken).to.deep.equal(['mid-lock', 'fine']);
    expect(delivered.map((d) => d.seq)).to.deep.equal([2, 3]);
    expect(receiver.scope.faults).to.deep.equal([]);
  });

  it('a kind whose extension was turned off is refused; a throwing handler faults its extension and NACKs handler-failed', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    receiver.kinds.register('chat.text', (event) => {
      if (untext(event.payload) === 'boom') throw new Error('handler exploded');
    });
    const nacks: NackReport[] = [];
    const delivered: DeliveryReport[] = [];
    sender.sessions.onDidNack((n) => nacks.push(n));
    sender.sessions.onDidDeliver((d) => delivered.push(d));
    peers.pair = await linkPair(a, b);
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', {}, text('boom'));
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', {}, text('fine'));
    await until(() => nacks.length === 1 && delivered.length === 1, 5000, 'nack + delivery');
    expect(nacks[0]).to.include({ reason: 'handler-failed', seq: 1 });
    expect(delivered[0]).to.include({ seq: 2 });
    expect((receiver.scope.faults[0] as Error).message).to.equal('handler exploded');

    receiver.scope.deactivate(); // extension turned off: handler disposed
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', {}, text('anyone?'));
    await until(() => nacks.length === 2, 5000, 'second nack');
    expect(nacks[1]).to.include({ reason: 'kind-disabled', seq: 3, message: 'peer has chat.text turned off' });
  });

  it('unreliable frames of a turned-off feature are refused visibly, once per 5 s (call audio to a peer without calls)', async () => {
    const sender = contextOf(a, 'calls', ['audio.frame']);
    contextOf(b, 'chat', CHAT_KINDS).kinds.register('chat.text', () => undefined);
    const nacks: NackReport[] = [];
    sender.sessions.onDidNack((n) => nacks.push(n));
    peers.pair = await linkPair(a, b);
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined);
    const stream = sender.streams.random();
    for (let i = 0; i < 20; i++) {
      await sender.sessions.send(b.keys.masterPublicKey, stream, 'audio.frame', { ts: i * 20_000 }, new Uint8Array(80), { reliable: false });
    }
    await until(() => nacks.length === 1, 5000, 'the refusal of the audio frames');
    await new Promise((r) => setTimeout(r, 200));
    // One report for the burst (rate-limited), without an event id (unreliable events are not tracked).
    expect(nacks).to.have.length(1);
    expect(nacks[0]).to.include({ eventId: '', kind: 'audio.frame', stream, reason: 'kind-disabled', message: 'peer has audio.frame turned off' });
  });

  it('fragments an event larger than one datagram and reassembles it', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    const got: InboundEvent[] = [];
    receiver.kinds.register('chat.text', (e) => {
      got.push(e);
    });
    peers.pair = await linkPair(a, b);
    const body = 'x'.repeat(20_000) + '✓';
    await sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'chat.text', { id: 'big', tags: ['a'.repeat(3000)] }, text(body));
    await until(() => got.length === 1, 5000, 'big event');
    expect(untext(got[0]!.payload)).to.equal(body);
    expect((got[0]!.header.tags as string[])[0]).to.have.length(3000);
    await expectRejects(sender.sessions.send(b.keys.masterPublicKey, sender.streams.random(), 'chat.text', {}, new Uint8Array(80_000)), 'KITH_ERR_PAYLOAD_TOO_LARGE');
  });

  it('unreliable events are sent once when live and dropped otherwise; bulk needs a session and is delivered in order', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const receiver = contextOf(b, 'chat', CHAT_KINDS);
    const typing: InboundEvent[] = [];
    const chunks: number[] = [];
    receiver.kinds.register('chat.typing-start', (e) => {
      typing.push(e);
    });
    receiver.kinds.register('file.chunk', (e) => {
      chunks.push(e.header.index as number);
    });
    const stream = sender.streams.random();
    const offline = await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.typing-start', {}, undefined, { reliable: false });
    expect(offline.dropped).to.equal(true);
    await expectRejects(sender.sessions.send(b.keys.masterPublicKey, stream, 'file.chunk', { index: 0 }, new Uint8Array(1024), { priority: 'bulk' }), 'KITH_ERR_NO_SESSION');

    peers.pair = await linkPair(a, b);
    await until(() => sender.sessions.get(b.keys.masterPublicKey) !== undefined);
    const live = await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.typing-start', {}, undefined, { reliable: false });
    expect(live.dropped).to.equal(undefined);
    await until(() => typing.length === 1);
    expect(typing[0]!.flags.wantsAck).to.equal(false);

    const fileStream = sender.streams.random();
    for (let i = 0; i < 3000; i++) {
      await sender.sessions.send(b.keys.masterPublicKey, fileStream, 'file.chunk', { index: i }, new Uint8Array(1024).fill(i & 0xff), { priority: 'bulk' });
    }
    await until(() => chunks.length === 3000, 10_000, 'bulk chunks');
    expect(chunks).to.deep.equal([...Array(3000).keys()]);
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(0);
  });

  it('a friend removed: everything queued for them fails with friend-removed and leaves the queue', async () => {
    const sender = contextOf(a, 'chat', CHAT_KINDS);
    const failed: Array<{ seq: number; reason: string }> = [];
    sender.sessions.onDidFail((f) => failed.push({ seq: f.seq, reason: f.reason }));
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    for (let i = 0; i < 3; i++) await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { i });
    a.engine.dropPeer(b.keys.masterPublicKey);
    expect(failed).to.deep.equal([1, 2, 3].map((seq) => ({ seq, reason: 'friend-removed' })));
    expect(a.engine.store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(0);
  });

  it('enforces kind ownership from the manifest', async () => {
    const third = contextOf(a, 'hello', ['hello.wave', 'chat.text'], false);
    expect(() => third.kinds.register('chat.text', () => undefined)).to.throw(/reserved for built-in/);
    expect(() => third.kinds.register('hello.other', () => undefined)).to.throw(/not listed in the manifest/);
    expect(() => third.kinds.register('bus.ack', () => undefined)).to.throw(/belong to the host/);
    await expectRejects(third.sessions.send(b.keys.masterPublicKey, third.streams.random(), 'hello.other', {}), 'KITH_ERR_KIND_NOT_OWNED');
    const d = third.kinds.register('hello.wave', () => undefined);
    expect(() => third.kinds.register('hello.wave', () => undefined)).to.throw(/already has a handler/);
    d.dispose();
    third.kinds.register('hello.wave', () => undefined).dispose();
  });
});

async function expectRejects(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect((error as { code?: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('bus: a lost NACK', () => {
  it('is repaired by the refusals the next ACK repeats: the sender reports refused, never delivered', async () => {
    const a = await createTestPeer();
    const b = await createTestPeer();
    const pair = await linkPair(a, b);
    try {
      // Drop every NACK frame Bob sends (kind byte at offset 21).
      const send = pair.ba.send.bind(pair.ba);
      let dropped = 0;
      pair.ba.send = (datagram: Uint8Array) => {
        if (datagram[21] === 0xf1) {
          dropped++;
          return;
        }
        send(datagram);
      };
      const sender = busProviders(a.engine, () => undefined).sessions!(a.scope('chat', ['chat.text'])) as Sessions;
      const receiverScope = b.scope('chat', ['chat.text']);
      (busProviders(b.engine, () => undefined).kinds!(receiverScope) as KindRegistry).register('chat.text', (e) => {
        if (e.header.bad) throw new Error('refuse this one');
      });
      const delivered: DeliveryReport[] = [];
      const nacks: NackReport[] = [];
      sender.onDidDeliver((r) => delivered.push(r));
      sender.onDidNack((r) => nacks.push(r));
      await until(() => sender.get(b.keys.masterPublicKey) !== undefined);
      const stream = 'ee'.repeat(16);
      await sender.send(b.keys.masterPublicKey, stream, 'chat.text', { bad: true });
      await sender.send(b.keys.masterPublicKey, stream, 'chat.text', { bad: false });
      await until(() => delivered.length + nacks.length === 2, 5000, 'both outcomes');
      expect(dropped).to.be.greaterThan(0);
      expect(nacks.map((n) => [n.seq, n.reason])).to.deep.equal([[1, 'handler-failed']]);
      expect(delivered.map((d) => d.seq)).to.deep.equal([2]);
    } finally {
      await pair.close();
      await a.close();
      await b.close();
    }
  });
});
