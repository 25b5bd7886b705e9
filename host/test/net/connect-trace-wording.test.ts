import { expect } from 'chai';
import dgram from 'node:dgram';
import { NetRuntime } from '../../src/net/net-runtime.js';
import { testPersona } from './test-persona.js';

const lo = (port: number) => ({ address: '127.0.0.1', port, family: 'ipv4' as const });

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Issue #19: the trace said "ipv4-punch skipped", then "session open via ipv4-punch". One side
 * skipped the rung while the other punched; the session opened by the peer's HELLO arriving during
 * this side's next rung. The trace must say that, not claim the skipped rung opened it.
 */
describe('net/connect trace wording (the session a peer opened while this side skipped its rung)', function () {
  this.timeout(20_000);
  const runtimes: NetRuntime[] = [];
  after(async () => {
    for (const r of runtimes.splice(0)) await r.stop();
  });

  it("names the peer's hello, not this side's rung, when the peer's punch opened the session", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = new NetRuntime({ stunServers: [], beaconPort: pa, beaconTargets: [lo(pb)] });
    const b = new NetRuntime({ stunServers: [], beaconPort: pb, beaconTargets: [lo(pa)] });
    runtimes.push(a, b);
    await a.start();
    await b.start();
    const alice = testPersona('alice');
    const bob = testPersona('bob');
    a.activate(alice, [bob.friendCardFor(alice)]);
    b.activate(bob, [alice.friendCardFor(bob)]);

    // Alice knows Bob's IPv4 endpoint and punches; Bob has no IPv4 candidate, skips that rung and
    // is in his LAN slot (announcing, no beacon from Alice yet) when Alice's HELLO reaches him.
    const startAt = Date.now() + 50;
    const [ra, rb] = await Promise.all([
      a.ladder({ peer: bob.info.masterPublicKey, ipv4: lo(b.udpPort), startAt }),
      b.ladder({ peer: alice.info.masterPublicKey, startAt }),
    ]);
    expect(ra.session, 'alice connected').to.not.equal(undefined);
    expect(rb.session, 'bob connected').to.not.equal(undefined);

    const bobStages = rb.trace.map((t) => `${t.stage}:${t.outcome}`);
    expect(bobStages).to.deep.equal(['ipv6-direct:skipped', 'ipv4-punch:skipped', 'lan-direct:ok', 'connect:ok']);
    const opened = rb.trace.find((t) => t.stage === 'lan-direct')!;
    expect(opened.detail).to.match(/the peer's hello got through from 127\.0\.0\.1:\d+/);
    // No entry after a skipped rung claims the session opened through it.
    for (const entry of rb.trace.filter((t) => t.outcome === 'ok')) {
      for (const skipped of rb.trace.filter((t) => t.outcome === 'skipped')) {
        expect(entry.detail ?? '', `${entry.stage} names skipped ${skipped.stage}`).to.not.match(new RegExp(`via ${skipped.stage}`));
      }
    }
    // Alice's own punch did open it: her trace says so plainly.
    expect(ra.trace.find((t) => t.stage === 'ipv4-punch')!.detail).to.match(/^session open via /);
  });
});
