/** The SDP rewrite that sends a WebRTC baseline call through the lossy shim. */
import { expect } from 'chai';
import { pointCandidateAt } from './browser-lab/rtc-through-shim.js';

const SDP = [
  'v=0',
  'm=audio 46896 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 192.0.2.2',
  'a=candidate:1 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active',
  'a=candidate:2 1 udp 2113942271 fd00::2 53853 typ host generation 0',
  'a=candidate:3 1 udp 2113937151 192.0.2.2 46896 typ host generation 0',
  'a=candidate:4 1 udp 1677729535 198.51.100.7 40000 typ srflx raddr 192.0.2.2 rport 46896',
  'a=candidate:5 1 udp 2113937150 192.0.2.3 46897 typ host generation 0',
  'a=end-of-candidates',
  '',
].join('\r\n');

describe('calls bench: a WebRTC call through the lossy shim', () => {
  it('keeps only the first IPv4 UDP host candidate, pointed at the relay, and reports the real one', () => {
    const { sdp, original } = pointCandidateAt(SDP, 50_123);
    expect(original).to.deep.equal({ address: '192.0.2.2', port: 46_896 });
    const candidates = sdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
    expect(candidates).to.deep.equal(['a=candidate:3 1 udp 2113937151 192.0.2.2 50123 typ host generation 0']);
    expect(sdp).to.contain('a=end-of-candidates\r\n');
  });

  it('refuses an SDP that the shim could not carry', () => {
    expect(() => pointCandidateAt(SDP.replace(/a=candidate:3.*\r\n/, '').replace(/a=candidate:5.*\r\n/, ''), 1)).to.throw(/no IPv4 UDP host candidate/);
  });
});
