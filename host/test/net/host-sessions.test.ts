import { expect } from 'chai';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { LossyShim } from '../../../tools/netlab/lossy-shim.js';
import { diagnosticsOnlyBuiltins } from '../diagnostics/diagnostics-builtin.js';
import { befriendHosts, startTestHost, type TestHost } from './host-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two real hosts (real personas, HTTP API, UDP) on loopback, with a third party in the middle. */
describe('net: sessions between two real hosts, seen by a third party', function () {
  this.timeout(60_000);
  let a: TestHost;
  let b: TestHost;
  let eve: dgram.Socket;
  let shim: LossyShim;

  before(async () => {
    // Bob runs the diagnostics extension: its /api/diagnostics/net shows the counters.
    [a, b] = await Promise.all([startTestHost('alice'), startTestHost('bob', { builtins: diagnosticsOnlyBuiltins })]);
    await befriendHosts(a, b);
    eve = dgram.createSocket('udp4');
    await new Promise<void>((r) => eve.bind(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    eve?.close();
    await shim?.stop();
    await a?.close();
    await b?.close();
  });

  const eveSend = (data: Buffer) => new Promise<void>((r) => eve.send(data, b.host.areas.net.udpPort, '127.0.0.1', () => r()));

  it('POST /api/connect opens a session through the (observing) relay; both sides list it', async () => {
    shim = await LossyShim.start({ target: { address: '127.0.0.1', port: b.host.areas.net.udpPort } });
    // The reference's body names no peer: Alice's only friend is Bob (with more friends, the one
    // announced at that address; else 400 asking for `peer`).
    const response = await a.host.fetch('/api/connect', {
      method: 'POST', body: JSON.stringify({ ipv4: `127.0.0.1:${shim.port}`, ipv6: null, rendezvous_url: 'http://127.0.0.1:9' }),
    });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).to.equal(200);
    expect(body.session.peer).to.equal(b.peer);
    expect(body.trace.map((t: { stage: string; outcome: string }) => `${t.stage}:${t.outcome}`))
      .to.deep.equal(['ipv6-direct:skipped', 'ipv4-punch:ok', 'connect:ok']);
    await sleep(100);
    const listed = await (await b.host.fetch('/api/sessions')).json();
    expect(listed.sessions.map((s: { peer: string }) => s.peer)).to.deep.equal([a.peer]);
    const link = a.host.areas.net.links.get(b.peer)!;
    const got: string[] = [];
    b.host.areas.net.links.get(a.peer)!.onDidReceive((d) => got.push(Buffer.from(d).toString()));
    link.send(Buffer.from('secret words'));
    await sleep(100);
    expect(got).to.deep.equal(['secret words']);
    // What the observer saw never contains the plaintext.
    expect(shim.carried.some((c) => c.data.includes(Buffer.from('secret words')))).to.equal(false);
  });

  it('replayed HELLOs and data packets from a third party are dropped and counted', async () => {
    const counters = b.host.areas.net.counters;
    const before = counters.snapshot().reasons;
    const hello = shim.carried.find((c) => c.direction === 'up' && c.data[1] === 0x01)!.data;
    const data = shim.carried.filter((c) => c.direction === 'up' && c.data[1] === 0x03).map((c) => c.data);
    await eveSend(hello);
    for (const packet of data) await eveSend(packet);
    await sleep(100);
    const after = counters.snapshot().reasons;
    expect((after['hello-repeated-key'] ?? 0) - (before['hello-repeated-key'] ?? 0)).to.equal(1);
    expect((after['data-replayed'] ?? 0) - (before['data-replayed'] ?? 0)).to.equal(data.length);
    // The session still points at the real peer (the relay), not at the replayer.
    expect(b.host.areas.net.links.get(a.peer)!.remote.port).to.not.equal(eve.address().port);
  });

  it('a forged HELLO (right shape, no keys) and a forged data packet cannot open or inject anything', async () => {
    const counters = b.host.areas.net.counters;
    const hello = shim.carried.find((c) => c.direction === 'up' && c.data[1] === 0x01)!.data;
    const forgedHello = Buffer.concat([hello.subarray(0, 6), randomBytes(hello.length - 6)]);
    const dataPacket = shim.carried.find((c) => c.direction === 'up' && c.data[1] === 0x03)!.data;
    const forgedData = Buffer.from(dataPacket);
    forgedData.writeBigUInt64BE(1_000_000n, 6);
    const unknown = counters.count('hello-unknown-peer');
    const auth = counters.count('data-auth-failed');
    await eveSend(forgedHello);
    await eveSend(forgedData);
    await sleep(100);
    expect(counters.count('hello-unknown-peer')).to.equal(unknown + 1);
    expect(counters.count('data-auth-failed')).to.equal(auth + 1);
    expect(b.host.areas.net.links.all).to.have.length(1);
    const diag = await (await b.host.fetch('/api/diagnostics/net')).json();
    expect(diag.counters.reasons['data-auth-failed']).to.equal(auth + 1);
  });

  it('fuzz: 100k random and mutated datagrams never crash the host; every one is counted', async function () {
    this.timeout(240_000);
    const counters = b.host.areas.net.counters;
    const samples = shim.carried.map((c) => c.data);
    const rejectedBefore = counters.rejected;
    const total = 100_000;
    const batch = 100;
    let sent = 0;
    const mutate = (packet: Buffer): Buffer => {
      const copy = Buffer.from(packet);
      switch (Math.floor(Math.random() * 5)) {
        case 0: copy[Math.floor(Math.random() * copy.length)] ^= 1 << Math.floor(Math.random() * 8); return copy;
        case 1: return copy.subarray(0, Math.floor(Math.random() * copy.length));
        case 2: copy[1] = Math.floor(Math.random() * 8); return copy;
        case 3: return Buffer.concat([copy, randomBytes(Math.floor(Math.random() * 64))]);
        default: return Buffer.concat([Buffer.of(0xcc), randomBytes(Math.floor(Math.random() * 1500))]);
      }
    };
    while (sent < total) {
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < batch; i++) {
        const random = Math.random() < 0.4;
        const datagram = random ? randomBytes(Math.floor(Math.random() * 1600)) : mutate(samples[Math.floor(Math.random() * samples.length)]!);
        jobs.push(eveSend(datagram));
      }
      await Promise.all(jobs);
      sent += batch;
      // Wait until the host has counted this batch (so no datagram is lost in a socket buffer).
      const deadline = Date.now() + 5_000;
      while (counters.rejected - rejectedBefore < sent && Date.now() < deadline) await sleep(2);
    }
    await sleep(50);
    // Every fuzzed datagram was refused and counted (the only accepted ones are A's keepalives).
    expect(counters.rejected - rejectedBefore).to.equal(total);
    // Nothing forged was taken, and the session still works.
    const got: string[] = [];
    b.host.areas.net.links.get(a.peer)!.onDidReceive((d) => got.push(Buffer.from(d).toString()));
    a.host.areas.net.links.get(b.peer)!.send(Buffer.from('still alive'));
    await sleep(100);
    expect(got).to.deep.equal(['still alive']);
  });
});
