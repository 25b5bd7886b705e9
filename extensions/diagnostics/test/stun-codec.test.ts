/** The network check's STUN codec against RFC 5769's published responses, and hostile input. */
import { expect } from 'chai';
import { decodeBindingResponse, encodeBindingRequest, isBindingRequest, transactionIdOf } from '../src/stun/stun-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 5769 §2.2 and §2.3 (XOR-MAPPED-ADDRESS 192.0.2.1:32853 and [2001:db8:1234:5678:11:2233:4455:6677]:32853).
const RESPONSE_V4 = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20 00 20
  00 08 00 01 a1 47 e1 12 a6 43 00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7 80 28 00 04
  c0 7d 4c 96`);
const RESPONSE_V6 = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20 00 20
  00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9 00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c
  82 92 c2 75 bf e3 ed 41 80 28 00 04 c8 fb 0b 4c`);

describe('diagnostics: STUN codec (RFC 5769 vectors)', () => {
  it('decodes the IPv4 sample response', () => {
    const r = decodeBindingResponse(RESPONSE_V4)!;
    expect(r.mapped).to.deep.equal({ family: 'ipv4', address: '192.0.2.1', port: 32853 });
    expect(r.transactionId).to.equal('b7e7a701bc34d686fa87dfae');
  });

  it('decodes the IPv6 sample response', () => {
    const r = decodeBindingResponse(RESPONSE_V6)!;
    expect(r.mapped).to.deep.equal({ family: 'ipv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  });

  it('encodes a Binding request, with and without CHANGE-REQUEST (RFC 5780 §7.2)', () => {
    const id = hex('b7e7a701bc34d686fa87dfae');
    expect(Buffer.from(encodeBindingRequest(id)).toString('hex')).to.equal('000100002112a442b7e7a701bc34d686fa87dfae');
    expect(Buffer.from(encodeBindingRequest(id, { ip: true, port: true })).toString('hex'))
      .to.equal('000100082112a442b7e7a701bc34d686fa87dfae0003000400000006');
    expect(Buffer.from(encodeBindingRequest(id, { ip: false, port: true })).toString('hex').slice(-8)).to.equal('00000002');
    expect(isBindingRequest(encodeBindingRequest(id))).to.equal(true);
    expect(transactionIdOf(encodeBindingRequest(id))).to.equal('b7e7a701bc34d686fa87dfae');
    expect(() => encodeBindingRequest(new Uint8Array(11))).to.throw(RangeError);
  });

  it('reads OTHER-ADDRESS and RESPONSE-ORIGIN', () => {
    const id = hex('000102030405060708090a0b');
    const attr = (type: number, value: Buffer) => Buffer.concat([Buffer.from([type >> 8, type & 0xff, 0, value.length]), value]);
    const v4 = (a: number[], port: number) => Buffer.from([0, 1, port >> 8, port & 0xff, ...a]);
    const body = Buffer.concat([
      attr(0x0001, v4([203, 0, 113, 5], 4000)), attr(0x802c, v4([198, 51, 100, 11], 3479)), attr(0x802b, v4([198, 51, 100, 10], 3478)),
    ]);
    const header = Buffer.concat([Buffer.from([1, 1, 0, body.length]), hex('2112a442'), id]);
    const r = decodeBindingResponse(Buffer.concat([header, body]))!;
    expect(r.mapped).to.deep.equal({ family: 'ipv4', address: '203.0.113.5', port: 4000 });
    expect(r.otherAddress).to.deep.equal({ family: 'ipv4', address: '198.51.100.11', port: 3479 });
    expect(r.responseOrigin).to.deep.equal({ family: 'ipv4', address: '198.51.100.10', port: 3478 });
  });

  it('refuses truncated, oversized and lying messages without throwing', () => {
    expect(decodeBindingResponse(RESPONSE_V4.subarray(0, 30))).to.equal(undefined);
    const longer = Buffer.from(RESPONSE_V4);
    longer.writeUInt16BE(0x40, 2);
    expect(decodeBindingResponse(longer)).to.equal(undefined);
    const badCookie = Buffer.from(RESPONSE_V4);
    badCookie[4] = 0;
    expect(decodeBindingResponse(badCookie)).to.equal(undefined);
    // An attribute claiming more bytes than the message holds.
    const lying = Buffer.from(RESPONSE_V4);
    lying.writeUInt16BE(0xff, 22);
    expect(decodeBindingResponse(lying)).to.equal(undefined);
    expect(decodeBindingResponse(new Uint8Array(2000))).to.equal(undefined);
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(RESPONSE_V4);
      junk[20 + (i % (junk.length - 20))] = (i * 37) & 0xff;
      expect(() => decodeBindingResponse(junk)).to.not.throw();
    }
  });
});
