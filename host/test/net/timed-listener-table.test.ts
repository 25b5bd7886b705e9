/**
 * White-box checks of timed listeners inside the session table (real UDP on loopback, keys made
 * in the test): a session over a listener rekeys over that socket even after the window, the
 * listener's sessions accept datagrams only from their own socket, and a connect in flight when
 * the window ends gives up at once.
 */
import dgram from 'node:dgram';
import { expect } from 'chai';
import { KithError } from '@kith/sdk';
import { UdpPort } from '../../src/net/udp-port.js';
import { PeerKeyring } from '../../src/net/peer-keyring.js';
import { SessionTable } from '../../src/net/session-table.js';
import { RejectionCounters } from '../../src/net/rejection-counters.js';
import { TimedListener } from '../../src/net/session-listener.js';
import type { LiveSession } from '../../src/net/live-session.js';
import { testPersona } from './test-persona.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function node(label: string) {
  const persona = testPersona(label);
  const port = await UdpPort.bind({ address: '::' });
  const keyring = new PeerKeyring(persona);
  const table = new SessionTable(port, keyring, {}, { rekeyAfterMs: 100, tickMs: 3_600_000 });
  port.onPeer((data, from) => table.handle(data, from));
  return { persona, port, keyring, table, endpoint: { address: '127.0.0.1', port: port.port, family: 'ipv4' as const } };
}
type Node = Awaited<ReturnType<typeof node>>;

describe('net/session-listener inside the session table', function () {
  this.timeout(15_000);
  let a: Node;
  let b: Node;
  let listener: TimedListener | undefined;
  const totals = new RejectionCounters();

  const openListener = (untilMs: number) => TimedListener.open({
    port: 0, family: 'ipv4', untilMs, owner: 'test', table: b.table, totals,
    refreshFriends: async () => undefined, fault: (error) => { throw error; },
  });

  beforeEach(async () => {
    a = await node('a');
    b = await node('b');
    a.keyring.replace([b.persona.friendCardFor(a.persona)]);
    b.keyring.replace([a.persona.friendCardFor(b.persona)]);
  });
  afterEach(async () => {
    listener?.close('test-over');
    a.table.stop('shutdown');
    b.table.stop('shutdown');
    await a.port.close();
    await b.port.close();
  });

  it('a session the listener started rekeys out of the listener after its window, and refuses its datagrams on another socket', async () => {
    listener = await openListener(Date.now() + 400);
    const atA = a.table.waitForOpen(b.persona.info.masterPublicKey, 2_000);
    const atB = await listener.connect(a.persona.info.masterPublicKey, [a.endpoint]);
    expect(atB.initiator).to.equal(true);
    const sa = (await atA) as LiveSession;
    const sb = b.table.get(a.persona.info.masterPublicKey) as LiveSession;
    expect(sb.via).to.equal(listener);
    expect(sa.remote.port).to.equal(listener.local.port);
    const got: string[] = [];
    sa.onDidReceive((d) => got.push(Buffer.from(d).toString()));
    sb.send(Buffer.from('before'));
    await sleep(500); // the window ends; the session keeps the socket
    expect(listener.state).to.equal('carrying-sessions');
    const indexBefore = sb.localIndex;
    b.table.tick(); // B initiated: its rekey HELLO leaves through the listener
    await sleep(100);
    expect(sb.localIndex).to.not.equal(indexBefore);
    expect(sb.rekeys).to.equal(1);
    expect(sa.rekeys).to.equal(1);
    sb.send(Buffer.from('after'));
    await sleep(50);
    expect(got).to.deep.equal(['before', 'after']);
    expect(b.port.counters.accepted).to.equal(0); // nothing of it touched B's main port

    // A datagram for the listener's session that arrives on B's main port is refused.
    const captured: Buffer[] = [];
    const original = a.port.send.bind(a.port);
    a.port.send = (data, to) => { captured.push(Buffer.from(data)); original(data, to); };
    sa.send(Buffer.from('to the listener'));
    await sleep(30);
    const eve = dgram.createSocket('udp4');
    await new Promise<void>((r) => eve.send(captured.at(-1)!, b.port.port, '127.0.0.1', () => r()));
    await sleep(30);
    eve.close();
    expect(b.port.counters.count('data-wrong-socket')).to.equal(1);

    // The session ends: the listener, past its window, closes with it.
    sa.close();
    await sleep(50);
    expect(listener.state).to.equal('closed');
  });

  it('an IPv6 listener takes a friend\'s handshake from the main port and carries the session', async function () {
    try {
      listener = await TimedListener.open({
        port: 0, family: 'ipv6', untilMs: Date.now() + 2_000, owner: 'test', table: b.table, totals,
        refreshFriends: async () => undefined, fault: (error) => { throw error; },
      });
    } catch {
      this.skip(); // a kernel without IPv6
    }
    const atB = b.table.waitForOpen(a.persona.info.masterPublicKey, 2_000);
    a.table.sendHello(b.persona.info.masterPublicKey, { address: '::1', port: listener!.local.port, family: 'ipv6' });
    const sb = (await atB) as LiveSession;
    expect(sb.via).to.equal(listener);
    expect(sb.remote).to.deep.equal({ address: '::1', port: a.port.port, family: 'ipv6' });
    const sa = a.table.get(b.persona.info.masterPublicKey) as LiveSession;
    const got: string[] = [];
    sb.onDidReceive((d) => got.push(Buffer.from(d).toString()));
    sa.send(Buffer.from('over v6'));
    await sleep(50);
    expect(got).to.deep.equal(['over v6']);
    expect(listener!.counters.accepted).to.be.at.least(2); // the HELLO and the data
  });

  it('fuzz: 2 000 random and mutated datagrams on a listener are each counted, never answered, and open nothing', async function () {
    this.timeout(120_000); // a mutated HELLO that still names the friend costs a DH before it is refused
    listener = await openListener(Date.now() + 30_000);
    // Real packets to mutate: a HELLO and a DATA of A's, aimed at the listener.
    const real: Buffer[] = [];
    const original = a.port.send.bind(a.port);
    a.port.send = (data, to) => { real.push(Buffer.from(data)); original(data, to); };
    const opened = b.table.waitForOpen(a.persona.info.masterPublicKey, 2_000);
    a.table.sendHello(b.persona.info.masterPublicKey, { address: '127.0.0.1', port: listener.local.port, family: 'ipv4' });
    const sb = (await opened) as LiveSession;
    a.port.send = original;
    const before = listener.counters.snapshot();
    const fuzzer = dgram.createSocket('udp4');
    await new Promise<void>((r) => fuzzer.bind(0, '127.0.0.1', () => r()));
    const answers: Buffer[] = [];
    fuzzer.on('message', (data) => answers.push(data));
    const total = 2_000;
    for (let i = 0; i < total; i++) {
      let datagram: Buffer;
      if (i % 2 === 0) {
        datagram = Buffer.from(real[i % real.length]!);
        for (let flips = 1 + (i % 4); flips > 0; flips--) datagram[2 + ((i * 7919 + flips * 104_729) % (datagram.length - 2))]! ^= 1 + (i % 255);
      } else {
        datagram = Buffer.alloc(1 + (i % 1_400), i % 256);
        if (i % 3 === 0) datagram[0] = 0xcc;
      }
      await new Promise<void>((r) => fuzzer.send(datagram, listener!.local.port, '127.0.0.1', () => r()));
      if (i % 100 === 99) {
        // Wait until this batch is counted, so no datagram is lost in a socket buffer instead.
        const deadline = Date.now() + 5_000;
        while (listener.counters.rejected - before.rejected < i + 1 && Date.now() < deadline) await sleep(2);
      }
    }
    await sleep(300);
    fuzzer.close();
    const after = listener.counters.snapshot();
    expect(after.accepted).to.equal(before.accepted);
    expect(after.rejected - before.rejected, JSON.stringify(after.reasons)).to.equal(total);
    expect(answers).to.deep.equal([]);
    expect(b.table.all).to.deep.equal([sb]); // the friend's session, nothing else
    expect(sb.closed).to.equal(false);
  });

  it('a connect still sending when the window ends gives up at once, with no session and the socket closed', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    listener = await openListener(Date.now() + 300);
    const began = Date.now();
    let error: unknown;
    try {
      await listener.connect(a.persona.info.masterPublicKey, [{ address: '127.0.0.1', port: silent.address().port, family: 'ipv4' }], { timeoutMs: 5_000 });
    } catch (e) {
      error = e;
    }
    silent.close();
    expect(error).to.be.instanceOf(KithError);
    expect((error as KithError).code).to.equal('KITH_ERR_TIMEOUT');
    expect(Date.now() - began).to.be.below(1_000);
    expect(listener.state).to.equal('closed');
    expect(b.table.get(a.persona.info.masterPublicKey)).to.equal(undefined);
  });
});
