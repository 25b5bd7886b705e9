import { expect } from 'chai';
import { NetRuntime } from '../../src/net/net-runtime.js';
import { LossyShim } from '../../../tools/netlab/lossy-shim.js';
import { testPersona } from './test-persona.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session over a path with loss, jitter (reordering) and duplication, made by the user-space shim. */
describe('net: sessions over a lossy, reordering, duplicating path', function () {
  this.timeout(30_000);
  let a: NetRuntime;
  let b: NetRuntime;
  let shim: LossyShim;

  before(async () => {
    a = new NetRuntime({ stunServers: [], beaconPort: false });
    b = new NetRuntime({ stunServers: [], beaconPort: false });
    await a.start();
    await b.start();
    shim = await LossyShim.start({
      target: { address: '127.0.0.1', port: b.udpPort }, loss: 0.2, delayMs: 5, jitterMs: 30, duplicate: 0.1, seed: 42,
    });
  });
  after(async () => {
    await shim.stop();
    await a.stop();
    await b.stop();
  });

  it('the HELLO burst gets through 20% loss; reordered datagrams arrive, duplicates are dropped as replays', async () => {
    const alice = testPersona('alice');
    const bob = testPersona('bob');
    a.activate(alice, [bob.friendCardFor(alice)]);
    b.activate(bob, [alice.friendCardFor(bob)]);
    const result = await a.ladder({ peer: bob.info.masterPublicKey, ipv4: { address: '127.0.0.1', port: shim.port, family: 'ipv4' }, startAt: Date.now() });
    expect(result.session, JSON.stringify(result.trace)).to.not.equal(undefined);
    await sleep(300);
    const receiver = b.sessions()[0]!;
    const seen: number[] = [];
    receiver.onDidReceive((d) => seen.push(Buffer.from(d).readUInt32BE(0)));
    const count = 500;
    for (let i = 0; i < count; i++) {
      const frame = Buffer.alloc(200);
      frame.writeUInt32BE(i, 0);
      result.session!.send(frame);
      if (i % 50 === 0) await sleep(5);
    }
    await sleep(500);
    const unique = new Set(seen);
    expect(unique.size).to.equal(seen.length); // never delivered twice
    expect(seen.length).to.be.within(count * 0.6, count * 0.95); // ~80% survive 20% loss
    const reordered = seen.some((v, i) => i > 0 && v < seen[i - 1]!);
    expect(reordered).to.equal(true); // jitter reordered some, and they were still accepted
    expect(b.counters.count('data-replayed')).to.be.greaterThan(0); // the shim's duplicates
    expect(shim.stats.dropped).to.be.greaterThan(0);
  });
});
