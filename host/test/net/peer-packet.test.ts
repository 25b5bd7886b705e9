import { expect } from 'chai';
import {
  decodeAckPayload, decodeBeacon, decodeData, decodeHello, decodeHelloAck, decodeHelloPayload, encodeAckPayload, encodeBeacon,
  encodeDataHeader, encodeHello, encodeHelloAck, encodeHelloPayload,
} from '../../src/net/peer-packet.js';

describe('net/peer-packet codecs', () => {
  it('DATA header: golden bytes (magic, type, receiver index, u64 counter)', () => {
    expect(encodeDataHeader(0x01020304, 2 ** 40 + 5).toString('hex')).to.equal('cc03' + '01020304' + '0000010000000005');
    const packet = Buffer.concat([encodeDataHeader(7, 9), Buffer.alloc(17, 0xaa)]);
    const decoded = decodeData(packet);
    expect(decoded.ok && decoded.value.receiverIndex).to.equal(7);
    expect(decoded.ok && decoded.value.counter).to.equal(9);
  });

  it('DATA: refuses short, oversize and unsafe counters', () => {
    expect(decodeData(Buffer.concat([encodeDataHeader(1, 1), Buffer.alloc(16)]))).to.deep.equal({ ok: false, reason: 'data-bad-length' });
    expect(decodeData(Buffer.concat([encodeDataHeader(1, 1), Buffer.alloc(1300)]))).to.deep.equal({ ok: false, reason: 'data-bad-length' });
    const unsafe = Buffer.concat([encodeDataHeader(1, 1), Buffer.alloc(17)]);
    unsafe.writeUInt32BE(0x0020_0000, 6);
    expect(decodeData(unsafe)).to.deep.equal({ ok: false, reason: 'data-bad-counter' });
  });

  it('HELLO, HELLO-ACK and BEACON round-trip and bound their lengths', () => {
    const noise = Buffer.alloc(32 + 9 + 3 + 16, 1);
    const hello = encodeHello(0xdeadbeef, Buffer.alloc(8, 2), noise);
    expect(hello.subarray(0, 2).toString('hex')).to.equal('cc01');
    const h = decodeHello(hello);
    expect(h.ok && h.value.senderIndex).to.equal(0xdeadbeef);
    expect(h.ok && h.value.noise.equals(noise)).to.equal(true);
    expect(decodeHello(hello.subarray(0, 40)).ok).to.equal(false);
    expect(decodeHello(Buffer.concat([hello, Buffer.alloc(200)])).ok).to.equal(false);

    const ack = encodeHelloAck(1, 2, Buffer.alloc(32 + 1 + 16));
    const a = decodeHelloAck(ack);
    expect(a.ok && [a.value.senderIndex, a.value.receiverIndex]).to.deep.equal([1, 2]);

    const beacon = encodeBeacon(Buffer.alloc(8, 3), Buffer.alloc(16, 4), 47474);
    expect(beacon.length).to.equal(28);
    const b = decodeBeacon(beacon);
    expect(b.ok && b.value.port).to.equal(47474);
    expect(decodeBeacon(encodeBeacon(Buffer.alloc(8), Buffer.alloc(16), 0))).to.deep.equal({ ok: false, reason: 'beacon-bad-port' });
  });

  it('handshake payloads round-trip, with and without a rekey tag, and refuse inconsistent lengths', () => {
    const plain = decodeHelloPayload(encodeHelloPayload(1234, 'peer-1'))!;
    expect(plain).to.deep.equal({ timestampMs: 1234, peerId: 'peer-1' });
    const rekey = decodeHelloPayload(encodeHelloPayload(99, 'p', Buffer.alloc(16, 9)))!;
    expect(rekey.rekeyTag!.equals(Buffer.alloc(16, 9))).to.equal(true);
    const bad = encodeHelloPayload(1, 'abc');
    bad[8] = 40;
    expect(decodeHelloPayload(bad)).to.equal(undefined);
    expect(decodeAckPayload(encodeAckPayload('xyz'))).to.equal('xyz');
    expect(decodeAckPayload(Buffer.of(5, 1))).to.equal(undefined);
  });
});
