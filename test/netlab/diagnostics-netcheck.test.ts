import path from 'node:path';
import { expect } from 'chai';
import { needs } from '../support/needs.js';
import { startLab, type HostRole, type LabFixture } from '../../tools/netlab/lab-fixture.js';

const DIAGNOSTICS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../extensions/diagnostics');

/**
 * The diagnostics extension's network check on real Kith hosts in the NAT lab, one per
 * configuration the lab has: the verdict and the mapping item must be right for each, and where a
 * probe cannot run (UDP blocked) the items say "unknown", not "no".
 */
describe('netlab: diagnostics network check per NAT configuration', function () {
  this.timeout(300_000);
  let fx: LabFixture;

  needs('nat-lab');
  before(async function () {
    fx = await startLab(['pub', 'a', 's1', 'v1', 'b'], { extensions: [DIAGNOSTICS] });
    // b's router lets no UDP through (TCP, and so the rendezvous, still works).
    fx.lab.blockUdp('cone2');
  });
  after(async () => {
    await fx?.teardown();
  });

  async function netcheck(role: HostRole) {
    const answer = await fx.peers[role]!.proc.api('GET', `/api/diagnostics/netcheck?rendezvous=${encodeURIComponent(fx.rendezvousUrl)}`);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const report = answer.body;
    expect(report.durationMs, 'a check finishes in 5 s').to.be.below(5000);
    return report;
  }

  it('no NAT: no-NAT mapping, open filtering, most friends', async () => {
    const r = await netcheck('pub');
    expect(r.ipv4.mapping).to.include({ state: 'yes', behaviour: 'no-nat' });
    expect(r.ipv4.publicEndpoint.value).to.match(/^198\.51\.100\.30:\d+$/);
    expect(r.ipv4.filtering).to.include({ state: 'yes', behaviour: 'endpoint-independent' });
    expect(r.ipv6.mapping).to.include({ state: 'yes', behaviour: 'no-nat' });
    expect(r.ipv6.inbound.state).to.equal('yes');
    expect(r.verdict).to.include({ level: 'good' });
    expect(r.verdict.text).to.match(/^Direct connections should work with most friends/);
    expect(r.rendezvous.reachable.state).to.equal('yes');
  });

  it('cone NAT: endpoint-independent mapping behind 198.51.100.21, most friends', async () => {
    const r = await netcheck('a');
    expect(r.ipv4.mapping).to.include({ state: 'yes', behaviour: 'endpoint-independent' });
    expect(r.ipv4.publicEndpoint.value).to.match(/^198\.51\.100\.21:\d+$/);
    // The home router drops what nobody inside asked for.
    expect(r.ipv4.filtering).to.include({ state: 'no', behaviour: 'address-and-port-dependent' });
    expect(r.ipv4.hairpin.state).to.equal('no');
    // No IPv6 on that LAN: the kernel refuses the send, a definite no.
    expect(r.ipv6.udp.state).to.equal('no');
    expect(r.verdict.text).to.match(/^Direct connections should work with most friends/);
  });

  it('symmetric NAT: endpoint-dependent mapping, hole punching will fail with strict NATs', async () => {
    const r = await netcheck('s1');
    expect(r.ipv4.mapping).to.include({ state: 'no', behaviour: 'endpoint-dependent' });
    expect(r.ipv4.publicEndpoint.value).to.match(/^198\.51\.100\.23:\d+$/);
    expect(r.verdict.level).to.equal('poor');
    expect(r.verdict.text).to.match(/hole punching will fail with friends behind strict NATs/i);
  });

  it('IPv6 behind a stateful firewall: no NAT, inbound refused, only friends on IPv6', async () => {
    const r = await netcheck('v1');
    expect(r.ipv6.mapping).to.include({ state: 'yes', behaviour: 'no-nat' });
    expect(r.ipv6.publicEndpoint.value).to.match(/^\[2001:db8:1::2\]:\d+$/);
    expect(r.ipv6.inbound.state).to.equal('no');
    expect(r.ipv6.filtering.state).to.equal('no');
    expect(r.ipv4.udp.state).to.equal('no');
    expect(r.verdict.text).to.match(/only with friends on IPv6/);
  });

  it('UDP blocked: UDP "no", everything it could not probe "unknown", the verdict says so', async () => {
    const r = await netcheck('b');
    expect(r.ipv4.udp.state).to.equal('no');
    for (const item of ['publicEndpoint', 'mapping', 'filtering', 'hairpin'] as const) {
      expect(r.ipv4[item].state, item).to.equal('unknown');
      expect(r.ipv4[item].reason, item).to.be.a('string').that.is.not.empty;
    }
    expect(r.verdict.level).to.equal('blocked');
    expect(r.verdict.text).to.match(/^UDP seems blocked/);
    // TCP still works: the rendezvous clock is read.
    expect(r.rendezvous.reachable.state).to.equal('yes');
  });
});
