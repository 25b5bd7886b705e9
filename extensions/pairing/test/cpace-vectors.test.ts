/**
 * CPace against the published test vectors of draft-irtf-cfrg-cpace, appendix "CPace using group
 * ristretto255 and hash SHA-512": generator, both messages, K, the symmetric-setting ISK and the
 * invalid points scalar_mult_vfy must reject.
 */
import { expect } from 'chai';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { cpaceGenerator, cpaceIsk, cpaceStart } from '../src/cpace.js';

const PRS = utf8ToBytes('Password');
const CI = hexToBytes('6f630b425f726573706f6e6465720b415f696e69746961746f72');
const SID = hexToBytes('7e4b4791d6a8ef019b936c79fb7f2c57');
const G = 'a6fc82c3b8968fbb2e06fee81ca858586dea50d248f0c7ca6a18b0902a30b36b';
const YA_SCALAR = bytesToNumberLE(hexToBytes('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08'));
const YA = 'd40fb265a7abeaee7939d91a585fe59f7053f982c296ec413c624c669308f87a';
const YB_SCALAR = bytesToNumberLE(hexToBytes('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d'));
const YB = '08bcf6e9777a9c313a3db6daa510f2d398403319c2341bd506a92e672eb7e307';
const K = 'e22b1ef7788f661478f3cddd4c600774fc0f41e6b711569190ff88fa0e607e09';
const ISK_SY =
  '980dcc5a1c52ceea031e75f38ed266586616488c5c5780285fcbcf79087c7bcd' +
  'bd993502eee606b718ba31e840a000a7b7befe15ea427c5cfe88344fa1237f35';

describe('CPace ristretto255/SHA-512: draft test vectors', () => {
  it('derives the generator from PRS, CI and sid', () => {
    expect(bytesToHex(cpaceGenerator(PRS, CI, SID).toBytes())).to.equal(G);
  });

  it('computes both messages, the shared point K and the symmetric-setting ISK', () => {
    const g = cpaceGenerator(PRS, CI, SID);
    expect(bytesToHex(g.multiply(YA_SCALAR).toBytes())).to.equal(YA);
    expect(bytesToHex(g.multiply(YB_SCALAR).toBytes())).to.equal(YB);
    const k = ristretto255.Point.fromBytes(hexToBytes(YB)).multiply(YA_SCALAR).toBytes();
    expect(bytesToHex(k)).to.equal(K);
    const isk = cpaceIsk(k, hexToBytes(YA), hexToBytes(YB), SID, utf8ToBytes('ADa'), utf8ToBytes('ADb'));
    expect(bytesToHex(isk)).to.equal(ISK_SY);
    // Either side's order gives the same ISK (ordered concatenation).
    expect(bytesToHex(cpaceIsk(k, hexToBytes(YB), hexToBytes(YA), SID, utf8ToBytes('ADb'), utf8ToBytes('ADa')))).to.equal(ISK_SY);
  });

  it('rejects the invalid encoding and the neutral element (scalar_mult_vfy)', () => {
    const party = cpaceStart(PRS, CI, bytesToNumberLE(hexToBytes('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05')));
    expect(() => party.finish(hexToBytes('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c'))).to.throw(RangeError);
    expect(() => party.finish(new Uint8Array(32))).to.throw(RangeError);
  });
});
