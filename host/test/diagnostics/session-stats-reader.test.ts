/**
 * The session-stats reader on two session tables over real loopback UDP (keys made in the test):
 * the handshake's own round trip before any acknowledged event, the bus's RTT once there is one,
 * rates over the sampling interval, inbound loss from counter gaps.
 */
import { expect } from 'chai';
import { UdpPort } from '../../src/net/udp-port.js';
import { PeerKeyring } from '../../src/net/peer-keyring.js';
import { SessionTable } from '../../src/net/session-table.js';
import { SessionStatsReader, type ChannelReading } from '../../src/net/session-stats.js';
import type { LiveSession } from '../../src/net/live-session.js';
import { testPersona } from '../net/test-persona.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function node(label: string) {
  const persona = testPersona(label);
  const port = await UdpPort.bind({ address: '::' });
  const keyring = new PeerKeyring(persona);
  const table = new SessionTable(port, keyring, {}, { tickMs: 3_600_000 });
  port.onPeer((data, from) => table.handle(data, from));
  return { persona, port, keyring, table, endpoint: { address: '127.0.0.1', port: port.port, family: 'ipv4' as const } };
}

describe('diagnostics/session-stats reader', function () {
  this.timeout(10_000);
  let a: Awaited<ReturnType<typeof node>>;
  let b: Awaited<ReturnType<typeof node>>;
  let sa: LiveSession;
  let sb: LiveSession;

  beforeEach(async () => {
    [a, b] = [await node('a'), await node('b')];
    a.keyring.replace([b.persona.friendCardFor(a.persona)]);
    b.keyring.replace([a.persona.friendCardFor(b.persona)]);
    const opened = b.table.waitForOpen(a.persona.info.masterPublicKey, 2_000);
    const mine = a.table.waitForOpen(b.persona.info.masterPublicKey, 2_000);
    a.table.sendHello(b.persona.info.masterPublicKey, b.endpoint);
    [sa, sb] = [(await mine) as LiveSession, (await opened) as LiveSession];
  });
  afterEach(async () => {
    a.table.stop('shutdown');
    b.table.stop('shutdown');
    await a.port.close();
    await b.port.close();
  });

  it('before any acknowledged event, both sides show the round trip the handshake measured', () => {
    const reader = new SessionStatsReader(() => undefined);
    for (const session of [sa, sb]) {
      const stats = reader.read(session);
      expect(stats.rtt.source).to.equal('handshake');
      expect(stats.rtt.smoothedMs).to.be.a('number').and.at.least(0).and.below(1_000);
    }
    // B read A's confirmation (one datagram, none missing); A has read no data packet yet.
    expect(reader.read(sb).loss).to.deep.equal({ inbound: 0, retransmits: 0 });
    expect(reader.read(sa).loss).to.deep.equal({ inbound: null, retransmits: 0 });
    expect(reader.read(sa).openedBy.handshakeMs).to.be.a('number');
    expect(reader.read(sb).openedBy).to.deep.equal({ rung: 'inbound', handshakeMs: null, stages: [] });
  });

  it('prefers the bus\'s RTT and retransmits once it has them', () => {
    const channel: ChannelReading = { retransmits: 3, srttMs: 12.345, rttvarMs: 2, latestRttMs: 9.99 };
    const stats = new SessionStatsReader(() => channel).read(sa);
    expect(stats.rtt).to.deep.equal({ smoothedMs: 12.3, latestMs: 10, varianceMs: 2, source: 'bus-acks' });
    expect(stats.loss.retransmits).to.equal(3);
  });

  it('counts wire bytes each way and averages rates over the interval since the previous sample', async () => {
    const reader = new SessionStatsReader(() => undefined);
    await sleep(1_000);
    reader.read(sa); // a sample: rates count from here
    const before = reader.read(sa).traffic;
    for (let i = 0; i < 50; i++) sa.send(Buffer.alloc(1_000, i));
    await sleep(1_050);
    const after = reader.read(sa).traffic;
    const wire = after.bytesOut - before.bytesOut;
    expect(wire).to.equal(50 * (1_000 + 1 + 14 + 16)); // payload, inner type, header, tag
    expect(after.packetsOut - before.packetsOut).to.equal(50);
    expect(after.bytesOutPerSec).to.be.within(wire / 1.3, wire / 1.0);
    expect(reader.read(sb).traffic.bytesIn).to.be.at.least(wire);
  });

  it('takes inbound loss from gaps in the friend\'s counters', async () => {
    const original = b.port.send.bind(b.port);
    let n = 0;
    b.port.send = (data, to) => { if (++n % 5 !== 0) original(data, to); }; // B's port loses every fifth datagram
    for (let i = 0; i < 100; i++) sb.send(Buffer.from(`x${i}`));
    await sleep(100);
    const loss = new SessionStatsReader(() => undefined).read(sa).loss.inbound!;
    expect(loss).to.be.within(0.15, 0.25);
  });
});
