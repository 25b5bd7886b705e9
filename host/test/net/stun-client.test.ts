import { expect } from 'chai';
import dgram from 'node:dgram';
import { UdpPort } from '../../src/net/udp-port.js';
import { StunClient, resolveStunServers } from '../../src/net/stun-client.js';
import { discoverEndpoints, classifyMapping } from '../../src/net/discovery.js';
import { startStunServer, type StunServerProcess } from '../../../tools/netlab/stun-server.js';
import { needs } from '../../../test/support/needs.js';

describe('net/stun-client against a real STUN server (coturn)', function () {
  this.timeout(20_000);
  needs('coturn');
  let server: StunServerProcess;
  let port: UdpPort;
  let client: StunClient;

  before(async () => {
    server = await startStunServer({ addresses: ['127.0.0.1', '::1'] });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    port = await UdpPort.bind();
    client = new StunClient(port);
  });
  afterEach(async () => {
    client.cancelAll();
    await port.close();
  });

  it('learns the IPv4 mapping of its dual-stack socket', async () => {
    const binding = await client.bind({ address: '127.0.0.1', port: server.port, family: 'ipv4' });
    expect(binding.mapped).to.deep.equal({ address: '127.0.0.1', port: port.port, family: 'ipv4' });
    expect(binding.rttMs).to.be.lessThan(1_000);
  });

  it('learns the IPv6 mapping over the same socket', async () => {
    const binding = await client.bind({ address: '::1', port: server.port, family: 'ipv6' });
    expect(binding.mapped).to.deep.equal({ address: '::1', port: port.port, family: 'ipv6' });
  });

  it('retransmits and times out against a silent server, then counts nothing as accepted', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    let received = 0;
    silent.on('message', () => received++);
    const started = Date.now();
    try {
      await client.bind({ address: '127.0.0.1', port: silent.address().port, family: 'ipv4' }, { rtoMs: 40, attempts: 4 });
      expect.fail('should time out');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('KITH_ERR_TIMEOUT');
    }
    expect(received).to.equal(4);
    expect(Date.now() - started).to.be.at.least(40 + 80 + 160);
    silent.close();
  });

  it('drops a forged reply (unknown transaction) and counts it', async () => {
    const forger = dgram.createSocket('udp4');
    const forged = Buffer.from('010100002112a442' + 'ab'.repeat(12), 'hex');
    await new Promise<void>((r) => forger.send(forged, port.port, '127.0.0.1', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    expect(port.counters.count('stun-unknown-transaction')).to.equal(1);
    forger.close();
  });

  it('discovers endpoints and classifies loopback as no NAT', async () => {
    const result = await discoverEndpoints(client, [
      { address: '127.0.0.1', port: server.port, family: 'ipv4' },
      { address: '::1', port: server.port, family: 'ipv6' },
    ]);
    // Loopback answers are private, so they are not offered as public endpoints...
    expect(result.ipv4).to.equal(null);
    expect(result.bindings).to.have.length(2);
    expect(result.errors).to.deep.equal([]);
  });

  it('says why discovery has no server: a name that does not resolve, a bad port, none left', async function () {
    this.timeout(20_000);
    const resolved = await resolveStunServers(['stun.example.invalid:3478', '127.0.0.1:70000', `127.0.0.1:${server.port}`]);
    expect(resolved.servers).to.deep.equal([{ address: '127.0.0.1', port: server.port, family: 'ipv4' }]);
    expect(resolved.errors).to.have.length(2);
    expect(resolved.errors.join('\n')).to.contain('stun.example.invalid').and.to.contain('cannot resolve').and.to.contain('127.0.0.1:70000');
    // Nothing to ask: the answer has no address, and says why.
    const result = await discoverEndpoints(client, [], undefined, resolved.errors);
    expect(result.ipv4).to.equal(null);
    expect(result.errors).to.deep.equal([...resolved.errors, 'no STUN server to ask']);
  });

  it('classifies mappings from two servers', () => {
    const s1 = { address: '198.51.100.1', port: 3478, family: 'ipv4' as const };
    const s2 = { address: '198.51.100.2', port: 3478, family: 'ipv4' as const };
    const m = (port: number) => ({ address: '203.0.113.5', port, family: 'ipv4' as const });
    const none = new Set<string>();
    expect(classifyMapping([{ server: s1, mapped: m(1000), rttMs: 1 }, { server: s2, mapped: m(1000), rttMs: 1 }], none))
      .to.equal('endpoint-independent');
    expect(classifyMapping([{ server: s1, mapped: m(1000), rttMs: 1 }, { server: s2, mapped: m(1001), rttMs: 1 }], none))
      .to.equal('endpoint-dependent');
    expect(classifyMapping([{ server: s1, mapped: m(1000), rttMs: 1 }], none)).to.equal('unknown');
    expect(classifyMapping([{ server: s1, mapped: m(1000), rttMs: 1 }], new Set(['203.0.113.5']))).to.equal('none');
  });
});
