/**
 * The network check on a real host, against a real STUN server (coturn on two loopback addresses,
 * so RFC 5780's second address is on) and a real rendezvous clock: no NAT on loopback, so the
 * answers are known. The NAT configurations are in test/netlab/diagnostics-netcheck.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { startStunServer, type StunServerProcess } from '../../../tools/netlab/stun-server.js';
import { needs } from '../../../test/support/needs.js';

describe('diagnostics: network check on a real host (loopback, coturn)', function () {
  this.timeout(60_000);
  needs('coturn');
  let stun: StunServerProcess;
  let t: TestHost;
  let clock: http.Server;
  let clockUrl: string;

  before(async () => {
    stun = await startStunServer({ addresses: ['127.0.0.1', '127.0.0.2'] });
    // A rendezvous clock 1.5 s ahead of ours, answering /r/time as the real server does.
    clock = http.createServer((req, res) => {
      if (req.url !== '/r/time') return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ now: Date.now() + 1500 }));
    });
    await new Promise<void>((r) => clock.listen(0, '127.0.0.1', r));
    clockUrl = `http://127.0.0.1:${(clock.address() as AddressInfo).port}`;
    t = await startTestHost({
      builtin: true,
      env: { KITH_STUN: `127.0.0.1:${stun.port},127.0.0.2:${stun.port}` },
    });
    await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    await stun?.stop();
    clock?.close();
  });

  it('answers every IPv4 item within 5 s, with the clock offset and round trip', async () => {
    const report = await t.request<any>('GET', `/diagnostics/netcheck?rendezvous=${encodeURIComponent(clockUrl)}`);
    expect(report.durationMs).to.be.below(5000);
    expect(report.ipv4.udp.state).to.equal('yes');
    expect(report.ipv4.publicEndpoint.value).to.match(/^127\.0\.0\.1:\d+$/);
    expect(report.ipv4.mapping).to.include({ state: 'yes', behaviour: 'no-nat' });
    // coturn answered a CHANGE-REQUEST from 127.0.0.2 and another port: nothing filters on loopback.
    expect(report.ipv4.filtering).to.include({ state: 'yes', behaviour: 'endpoint-independent' });
    expect(report.ipv4.hairpin.state).to.equal('yes');
    expect(report.ipv4.servers).to.have.length(2);
    // No IPv6 STUN server configured: unknown, with the reason, never "no".
    expect(report.ipv6.udp.state).to.equal('unknown');
    expect(report.ipv6.udp.reason).to.match(/no STUN server has an IPv6 address/);
    expect(report.verdict.text).to.match(/^Direct connections should work with most friends/);
    expect(report.rendezvous.reachable.state).to.equal('yes');
    expect(report.rendezvous.offsetMs).to.be.within(1300, 1700);
    expect(report.rendezvous.rttMs).to.be.a('number').and.below(500);
  });

  it('refuses a rendezvous parameter that is not one http(s) URL', async () => {
    const bad = await t.call('GET', '/diagnostics/netcheck?rendezvous=file%3A%2F%2F%2Fetc%2Fpasswd');
    expect(bad.status).to.equal(400);
  });

  it('says "no" for UDP only when every STUN server stays silent', async () => {
    await stun.stop();
    const report = await t.request<any>('GET', '/diagnostics/netcheck');
    expect(report.ipv4.udp.state).to.equal('no');
    expect(report.ipv4.mapping.state).to.equal('unknown');
    expect(report.verdict.level).to.equal('blocked');
    expect(report.rendezvous.reachable.state).to.equal('unknown');
    expect(report.durationMs).to.be.below(5000);
  });

  it('turned off, its route answers 404', async () => {
    await t.request('POST', '/extensions/diagnostics', { enabled: false });
    expect((await t.call('GET', '/diagnostics/netcheck')).status).to.equal(404);
    await t.request('POST', '/extensions/diagnostics', { enabled: true });
  });
});
