import { expect } from 'chai';
import dgram from 'node:dgram';
import { NetRuntime } from '../../src/net/net-runtime.js';
import { testPersona } from './test-persona.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lo = (port: number) => ({ address: '127.0.0.1', port, family: 'ipv4' as const });

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('net/connect-ladder (two runtimes on loopback)', function () {
  this.timeout(20_000);
  const runtimes: NetRuntime[] = [];
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.stop();
  });

  async function pair(lan = false) {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = new NetRuntime({ stunServers: [], beaconPort: lan ? pa : false, beaconTargets: lan ? [lo(pb)] : undefined });
    const b = new NetRuntime({ stunServers: [], beaconPort: lan ? pb : false, beaconTargets: lan ? [lo(pa)] : undefined });
    runtimes.push(a, b);
    await a.start();
    await b.start();
    const alice = testPersona('alice');
    const bob = testPersona('bob');
    a.activate(alice, [bob.friendCardFor(alice)]);
    b.activate(bob, [alice.friendCardFor(bob)]);
    return { a, b, alice, bob };
  }

  it('both sides punching at the agreed instant open one session; the trace shows each rung', async () => {
    const { a, b, alice, bob } = await pair();
    const startAt = Date.now() + 100;
    const [ra, rb] = await Promise.all([
      a.ladder({ peer: bob.info.masterPublicKey, ipv4: lo(b.udpPort), startAt }),
      b.ladder({ peer: alice.info.masterPublicKey, ipv4: lo(a.udpPort), startAt }),
    ]);
    expect(ra.session?.peer).to.equal(bob.info.masterPublicKey);
    expect(rb.session?.peer).to.equal(alice.info.masterPublicKey);
    expect(ra.trace.map((t) => `${t.stage}:${t.outcome}`)).to.deep.equal(['ipv6-direct:skipped', 'ipv4-punch:ok', 'connect:ok']);
    const punch = ra.trace.find((t) => t.stage === 'ipv4-punch')!;
    expect(punch.candidate).to.equal(`127.0.0.1:${b.udpPort}`);
    expect(punch.ms).to.be.lessThan(500);
  });

  it('fails with a clear trace within the bounded schedule when nobody answers', async () => {
    const { a, bob } = await pair();
    const dead = await freePort();
    const began = Date.now();
    const result = await a.ladder({
      peer: bob.info.masterPublicKey, ipv4: lo(dead), ipv6: { address: '::1', port: dead, family: 'ipv6' }, startAt: Date.now(),
      stageMs: { 'ipv6-direct': 300, 'ipv4-punch': 300, 'lan-direct': 300 },
    });
    expect(result.session).to.equal(undefined);
    expect(Date.now() - began).to.be.lessThan(1_500);
    expect(result.trace.map((t) => `${t.stage}:${t.outcome}`)).to.deep.equal([
      'ipv6-direct:failed', 'ipv4-punch:failed', 'lan-direct:skipped', 'connect:failed',
    ]);
    expect(result.trace.at(-1)!.detail).to.match(/no direct path/);
  });

  it('finds the friend over LAN beacons when no public candidate exists', async () => {
    const { a, b, alice, bob } = await pair(true);
    const startAt = Date.now();
    const [ra] = await Promise.all([
      a.ladder({ peer: bob.info.masterPublicKey, startAt }),
      b.ladder({ peer: alice.info.masterPublicKey, startAt }),
    ]);
    expect(ra.session).to.not.equal(undefined);
    const lan = ra.trace.find((t) => t.stage === 'lan-direct')!;
    expect(lan.outcome).to.equal('ok');
    expect(lan.candidate).to.equal(`127.0.0.1:${b.udpPort}`);
  });

  it('closes every session on lock', async () => {
    const { a, b, alice, bob } = await pair();
    await Promise.all([
      a.ladder({ peer: bob.info.masterPublicKey, ipv4: lo(b.udpPort), startAt: Date.now() }),
      b.ladder({ peer: alice.info.masterPublicKey, ipv4: lo(a.udpPort), startAt: Date.now() }),
    ]);
    const session = a.sessions()[0]!;
    const reasons: string[] = [];
    session.onDidClose((r) => reasons.push(r));
    b.sessions()[0]!.onDidClose((r) => reasons.push(`b:${r}`));
    a.deactivate('locked');
    await sleep(50);
    expect(reasons).to.deep.equal(['locked', 'b:closed-by-peer']);
    expect(a.sessions()).to.have.length(0);
  });
});
