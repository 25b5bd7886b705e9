/**
 * Resume at both ends with real processes: kill -9 of the receiver, then of the sender, in the
 * middle of a transfer. After the restart only the missing blocks travel: the payload bytes sent
 * after the restart equal exactly what the receiver lacked (it says so in its resume), and the
 * file arrives with the offered root. Also: a block with a wrong hash is re-fetched.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { BS, download, expectedRoot, randomFile, reconnect, sendFile, transferOn, waitState } from './support/files-net.js';

const CORRUPT_SENDER = fileURLToPath(new URL('./support/corrupt-block-sender.ts', import.meta.url));
const SIZE = 40 * 1024 * 1024 + 777;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitProgress(host: TestHost, id: string, share: number): Promise<void> {
  await eventually(`${host.name} has ${share * 100}% of ${id.slice(0, 8)}`, async () => {
    const t = await transferOn(host, id);
    return t && t.bytes_done >= SIZE * share;
  }, 120_000, 20);
}

/** A counter that has stopped moving (the other side is dead and the bus stopped sending). */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  for (;;) {
    await sleep(1500);
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

describe('files: resume after kill -9 of either side, only missing blocks resent', function () {
  this.timeout(600_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    // Alice runs the real files code, but the first send of block 5 of every transfer has a byte
    // flipped on the way out (support/corrupt-block-sender.ts): Bob must refuse it and fetch it again.
    net = await startTestNetwork({ hosts: 2, builtinEntries: { files: CORRUPT_SENDER } });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
  });

  it('re-fetches a block whose hash is wrong: exactly one block more crosses, and the root matches', async () => {
    const bytes = randomFile(2 * 1024 * 1024);
    const sent = await sendFile(alice, bob.persona!.key, bytes);
    const received = await waitState(bob, sent.transfer_id, 'complete');
    expect(received.root).to.equal(expectedRoot(bytes));
    expect(received.payload_bytes).to.equal(bytes.length + BS);
    expect(Buffer.compare(Buffer.from((await download(bob, sent.transfer_id)).bytes), Buffer.from(bytes))).to.equal(0);
  });

  it('kill -9 of the receiver mid-transfer: after its restart only what it lacked is sent', async () => {
    const bytes = randomFile(SIZE);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'big-receiver.bin');
    const id = sent.transfer_id as string;
    await waitProgress(bob, id, 0.3);
    await bob.crash();
    const before = await settled(async () => (await transferOn(alice, id)).payload_bytes);
    await net.restart(bob);
    const resumed = await transferOn(bob, id);
    expect(resumed.state).to.equal('active');
    expect(resumed.bytes_done).to.be.greaterThan(0).and.lessThan(SIZE);
    const lacked = SIZE - resumed.bytes_done;
    // Alice is not connected yet: a read of bytes not here says so within seconds (it waited 30 s for a 504).
    expect((await bob.request<{ sessions: unknown[] }>('GET', '/sessions')).sessions).to.deep.equal([]);
    const askedAt = Date.now();
    const offline = await bob.fetch(`/api/files/inbound/${id}/stream`, { headers: { range: `bytes=${SIZE - 100}-${SIZE - 1}` } });
    expect(offline.status).to.equal(409);
    expect(Date.now() - askedAt).to.be.below(15_000);
    expect((await offline.json()).error).to.include({ code: 'KITH_ERR_NO_SESSION' });
    await reconnect(() => net.connect(alice, bob));
    await waitState(bob, id, 'complete', 300_000);
    const after = (await waitState(alice, id, 'complete')).payload_bytes;
    // Exactly the missing blocks; a little slack for a stall NACK racing a block in flight.
    expect(after - before).to.be.at.least(lacked).and.at.most(lacked + 8 * BS);
    expect((await transferOn(bob, id)).root).to.equal(expectedRoot(bytes));
    expect(Buffer.compare(Buffer.from((await download(bob, id)).bytes), Buffer.from(bytes))).to.equal(0);
  });

  it('kill -9 of the sender mid-transfer: after its restart it sends only what the receiver lacks', async () => {
    const bytes = randomFile(SIZE);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'big-sender.bin');
    const id = sent.transfer_id as string;
    await waitProgress(bob, id, 0.3);
    await alice.crash();
    const before = await settled(async () => (await transferOn(bob, id)).payload_bytes);
    const held = (await transferOn(bob, id)).bytes_done;
    expect(held).to.be.lessThan(SIZE);
    await net.restart(alice);
    expect((await transferOn(alice, id)).state).to.equal('active');
    await reconnect(() => net.connect(alice, bob));
    await waitState(bob, id, 'complete', 300_000);
    const after = (await transferOn(bob, id)).payload_bytes;
    expect(after - before).to.be.at.least(SIZE - held).and.at.most(SIZE - held + 8 * BS);
    expect((await transferOn(bob, id)).root).to.equal(expectedRoot(bytes));
    expect(Buffer.compare(Buffer.from((await download(bob, id)).bytes), Buffer.from(bytes))).to.equal(0);
    await waitState(alice, id, 'complete');
  });

  it('a file complete before a restart is read from disk after it, whole and by Range', async () => {
    const bytes = randomFile(3 * BS + 1234);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'kept.bin');
    const id = sent.transfer_id as string;
    await waitState(bob, id, 'complete');
    await net.restart(bob);
    await net.connect(alice, bob);
    const whole = await download(bob, id);
    expect(Buffer.compare(Buffer.from(whole.bytes), Buffer.from(bytes))).to.equal(0);
    const part = await download(bob, id, `bytes=${BS - 10}-${2 * BS + 9}`);
    expect(part.status).to.equal(206);
    expect(Buffer.compare(Buffer.from(part.bytes), Buffer.from(bytes.subarray(BS - 10, 2 * BS + 10)))).to.equal(0);
    expect((await transferOn(bob, id)).bytes_done).to.equal(bytes.length);
  });
});
