import { expect } from 'chai';
import dgram from 'node:dgram';
import { UdpPort } from '../../src/net/udp-port.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('net/udp-port: one dual-stack receive loop', () => {
  let port: UdpPort;
  const peer: { data: Buffer; from: string }[] = [];
  const stun: Buffer[] = [];

  before(async () => {
    port = await UdpPort.bind();
    port.onPeer((data, from) => peer.push({ data, from: `${from.family}:${from.address}` }));
    port.onStun((data) => stun.push(data));
  });
  after(() => port.close());

  async function sendFrom(type: 'udp4' | 'udp6', data: Buffer): Promise<void> {
    const s = dgram.createSocket(type);
    await new Promise<void>((r) => s.send(data, port.port, type === 'udp4' ? '127.0.0.1' : '::1', () => r()));
    s.close();
  }

  it('is dual-stack: IPv4 peers appear in plain IPv4 form, IPv6 peers as IPv6', async () => {
    expect(port.dualStack).to.equal(true);
    await sendFrom('udp4', Buffer.of(0xcc, 1));
    await sendFrom('udp6', Buffer.of(0xcc, 2));
    await sleep(50);
    expect(peer.map((p) => p.from)).to.deep.equal(['ipv4:127.0.0.1', 'ipv6:::1']);
  });

  it('routes STUN-shaped datagrams to the STUN handler and counts the rest by reason', async () => {
    const stunLike = Buffer.alloc(20);
    stunLike.writeUInt16BE(0x0101, 0);
    stunLike.writeUInt32BE(0x2112a442, 4);
    await sendFrom('udp4', stunLike);
    await sendFrom('udp4', Buffer.from('GET / HTTP/1.1'));
    await sendFrom('udp4', Buffer.alloc(0));
    await sendFrom('udp4', Buffer.alloc(1501, 0xcc));
    await sleep(50);
    expect(stun).to.have.length(1);
    expect(port.counters.count('bad-magic')).to.equal(1);
    expect(port.counters.count('empty')).to.equal(1);
    expect(port.counters.count('oversize')).to.equal(1);
  });

  it('sends a burst from one task back to back, in order; closing sends what was corked, then nothing', async () => {
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    const got: number[] = [];
    sink.on('message', (m) => got.push(m.readUInt32BE(0)));
    const to = { address: '127.0.0.1', port: sink.address().port, family: 'ipv4' as const };
    const sender = await UdpPort.bind();
    for (let i = 0; i < 200; i++) {
      const datagram = Buffer.alloc(4);
      datagram.writeUInt32BE(i);
      sender.send(datagram, to);
    }
    await sleep(100);
    expect(got).to.deep.equal([...Array(200).keys()]);
    sender.send(Buffer.of(0, 0, 0, 200), to);
    const closing = sender.close(); // same task: the corked datagram still leaves (a session's Close does)
    sender.send(Buffer.of(0, 0, 0, 201), to); // after close: dropped
    await closing;
    await sleep(50);
    expect(got).to.deep.equal([...Array(201).keys()]);
    sink.close();
  });

  it('a handler that throws costs one counted datagram, not the process', async () => {
    port.onPeer(() => {
      throw new Error('bug');
    });
    await sendFrom('udp4', Buffer.of(0xcc, 9));
    await sleep(50);
    expect(port.counters.count('handler-threw')).to.equal(1);
  });
});
