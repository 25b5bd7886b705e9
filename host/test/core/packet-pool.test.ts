import { expect } from 'chai';
import { PacketPool, largePackets } from '../../src/core/packet-pool.js';
import { UdpPort } from '../../src/net/udp-port.js';
import { PEER_MAGIC, PacketType } from '../../src/net/wire-constants.js';

describe('packet pool: large datagram buffers used again once sent', () => {
  it('lends a buffer once at a time: given back it is lent again; twice, or a foreign one, changes nothing', () => {
    const pool = new PacketPool(1024, 2);
    const a = pool.take(1000);
    expect(a.length).to.equal(1000);
    expect(pool.lent(a)).to.equal(true);
    pool.giveBack(a);
    pool.giveBack(a); // a second give-back must not put it in the free list twice
    expect(pool.idle).to.equal(1);
    const b = pool.take(10);
    const c = pool.take(10);
    expect(b.buffer).to.equal(a.buffer);
    expect(c.buffer).to.not.equal(b.buffer); // the free list had it once, so it is not lent twice
    pool.giveBack(Buffer.alloc(1000)); // not the pool's
    expect(pool.idle).to.equal(0);
    const d = pool.take(10);
    for (const packet of [b, c, d]) pool.giveBack(packet);
    expect(pool.idle).to.equal(2); // keeps at most `keep`
    expect(() => pool.take(1025)).to.throw(RangeError);
  });

  it('the UDP port gives a pooled packet back once the socket has sent it, and the peer gets its bytes', async () => {
    const [sender, receiver] = await Promise.all([UdpPort.bind({ address: '127.0.0.1' }), UdpPort.bind({ address: '127.0.0.1' })]);
    try {
      const got = new Promise<Buffer>((resolve) => receiver.onPeer((data) => resolve(Buffer.from(data))));
      const packet = largePackets.take(40_000);
      packet.fill(0x5a);
      packet[0] = PEER_MAGIC;
      packet[1] = PacketType.Data; // only DATA may be this large
      const idle = largePackets.idle;
      sender.send(packet, { address: '127.0.0.1', port: receiver.port, family: 'ipv4' });
      const data = await got;
      expect(data.length).to.equal(40_000);
      expect(data[2]).to.equal(0x5a);
      await new Promise((r) => setTimeout(r, 20));
      expect(largePackets.lent(packet)).to.equal(false);
      expect(largePackets.idle).to.equal(idle + 1);
    } finally {
      await Promise.all([sender.close(), receiver.close()]);
    }
  });
});
