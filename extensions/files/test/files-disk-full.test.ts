/**
 * A disk that fills up mid-transfer: the receiver's data dir is a small tmpfs. The transfer is
 * held with a clear message on both sides, nothing already written is lost, and once there is
 * room (the tmpfs grows) it continues by itself in the same session and completes with the
 * offered root, even though Bob's first resume after the hold is refused at the send, as a disk
 * still full refuses the row of a durable event (support/refused-resume-receiver.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually, type TestHost } from '@kith/sdk/testing';
import { needs } from '../../../test/support/needs.js';
import { mountSmallDisk, type SmallDisk } from '../../../test/support/small-disk.js';
import { download, expectedRoot, randomFile, sendFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

const REFUSED_RESUME_RECEIVER = fileURLToPath(new URL('./support/refused-resume-receiver.ts', import.meta.url));

describe('files: a full disk holds the transfer and loses nothing', function () {
  this.timeout(300_000);
  needs('tmpfs');
  let pair: FilesPair | undefined;
  let alice: TestHost;
  let bob: TestHost;
  let disk: SmallDisk | undefined;

  before(async () => {
    disk = mountSmallDisk('kith-files-full', 24);
    pair = await startFilesPair({ bob: { dataDir: path.join(disk.dir, 'bob'), builtinEntries: { files: REFUSED_RESUME_RECEIVER } } });
    ({ alice, bob } = pair);
  });
  after(async () => {
    await pair?.close();
    disk?.remove();
  });

  it('holds with a clear message when the receiver disk is full, then completes once there is room', async () => {
    const bytes = randomFile(40 * 1024 * 1024);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'too-big-for-now.bin');
    const id = sent.transfer_id as string;
    const held = await waitState(bob, id, 'held', 120_000);
    expect(held.error).to.match(/disk is full.*Nothing received is lost/);
    expect(held.bytes_done).to.be.greaterThan(0);
    // The sender hears of the hold over the bus, after the receiver's own state changed: give it as long.
    const senderSide = await waitState(alice, id, 'held', 120_000);
    expect(senderSide.error).to.match(/disk is full/);
    // What was written stays: the durable part is still readable and correct.
    const kept = await download(bob, id, `bytes=0-${held.bytes_done - 1}`);
    expect(kept.status).to.equal(206);
    expect(Buffer.compare(Buffer.from(kept.bytes), Buffer.from(bytes.subarray(0, held.bytes_done)))).to.equal(0);

    disk!.grow(160);
    const done = await waitState(bob, id, 'complete', 120_000);
    expect(done.root).to.equal(expectedRoot(bytes));
    expect(Buffer.compare(Buffer.from((await download(bob, id)).bytes), Buffer.from(bytes))).to.equal(0);
    await eventually('the sender hears it completed', async () => (await transferOn(alice, id))?.state === 'complete');
  });
});
