import { expect } from 'chai';
import { isPublicAddress, publicOnly } from '../../src/presence/public-endpoints.js';

describe('presence: only public endpoints are ever published', () => {
  it('refuses private, loopback, link-local, CGNAT, unique-local, multicast and mapped addresses', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.20', '127.0.0.1', '169.254.10.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255']) {
      expect(isPublicAddress(a, 'ipv4'), a).to.equal(false);
    }
    for (const a of ['::1', '::', 'fe80::1', 'fd12:3456::1', 'fc00::1', 'ff02::1', '::ffff:203.0.113.7']) {
      expect(isPublicAddress(a, 'ipv6'), a).to.equal(false);
    }
    for (const a of ['203.0.113.7', '8.8.8.8', '172.32.0.1', '100.128.0.1']) expect(isPublicAddress(a, 'ipv4'), a).to.equal(true);
    for (const a of ['2001:db8::7', '2a00:1450:4001::200e']) expect(isPublicAddress(a, 'ipv6'), a).to.equal(true);
    expect(isPublicAddress('not-an-ip', 'ipv4')).to.equal(false);
    expect(isPublicAddress('203.0.113.7', 'ipv6')).to.equal(false);
  });

  it('drops bad or private endpoints and keeps public ones; the lab switch keeps private ones', () => {
    const lan = { ipv4: { address: '192.168.1.5', port: 5000, family: 'ipv4' as const }, ipv6: { address: 'fe80::1', port: 5000, family: 'ipv6' as const } };
    expect(publicOnly(lan)).to.deep.equal({ ipv4: null, ipv6: null });
    expect(publicOnly(lan, true)).to.deep.equal(lan);
    const wan = { ipv4: { address: '203.0.113.7', port: 40000, family: 'ipv4' as const }, ipv6: null };
    expect(publicOnly(wan)).to.deep.equal(wan);
    expect(publicOnly({ ipv4: { address: '203.0.113.7', port: 0, family: 'ipv4' }, ipv6: null })).to.deep.equal({ ipv4: null, ipv6: null });
    expect(publicOnly({ ipv4: { address: '2001:db8::1', port: 1, family: 'ipv6' } as never, ipv6: null })).to.deep.equal({ ipv4: null, ipv6: null });
    expect(publicOnly(null)).to.deep.equal({ ipv4: null, ipv6: null });
  });
});
