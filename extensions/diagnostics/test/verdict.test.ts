/** The plain verdict from the two families' items: every branch, and unknown never reads as a failure. */
import { expect } from 'chai';
import { no, unknown, yes, type FamilyReport } from '../src/netcheck/check-item.js';
import { judgeVerdict } from '../src/netcheck/verdict.js';

function family(f: 'ipv4' | 'ipv6', parts: Partial<FamilyReport>): FamilyReport {
  const u = unknown('not probed');
  return { family: f, udp: u, publicEndpoint: u, mapping: u, filtering: u, hairpin: u, servers: [], ...parts };
}
const works = { udp: yes('answered'), publicEndpoint: yes('seen', '203.0.113.5:4000') };

describe('diagnostics: verdict', () => {
  it('endpoint-independent IPv4 and IPv6: most friends', () => {
    const v = judgeVerdict(family('ipv4', { ...works, mapping: yes('same', 'endpoint-independent') }), family('ipv6', works));
    expect(v.level).to.equal('good');
    expect(v.text).to.match(/^Direct connections should work with most friends/);
  });

  it('endpoint-dependent IPv4 without IPv6: strict NATs fail', () => {
    const v = judgeVerdict(family('ipv4', { ...works, mapping: no('differs', 'endpoint-dependent') }), family('ipv6', { udp: no('no route') }));
    expect(v.level).to.equal('poor');
    expect(v.text).to.match(/hole punching will fail with friends behind strict NATs/i);
  });

  it('IPv6 only: only friends on IPv6', () => {
    const v = judgeVerdict(family('ipv4', { udp: no('no route') }), family('ipv6', { ...works, mapping: yes('no NAT') }));
    expect(v.text).to.match(/only with friends on IPv6/);
  });

  it('no STUN answer on two servers: UDP seems blocked', () => {
    const v = judgeVerdict(family('ipv4', { udp: no('none of 2 STUN servers answered') }), family('ipv6', { udp: unknown('no server') }));
    expect(v.level).to.equal('blocked');
    expect(v.text).to.match(/^UDP seems blocked: none of 2/);
  });

  it('unknown mapping never says "will fail"', () => {
    const v = judgeVerdict(family('ipv4', { ...works, mapping: unknown('only one server answered') }), family('ipv6', { udp: no('no route') }));
    expect(v.level).to.equal('limited');
    expect(v.text).to.not.match(/fail/);
    expect(v.text).to.match(/unknown: only one server answered/);
    const nothing = judgeVerdict(family('ipv4', {}), family('ipv6', {}));
    expect(nothing.level).to.equal('unknown');
  });
});
