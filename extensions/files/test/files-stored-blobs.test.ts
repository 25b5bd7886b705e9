/**
 * What a received file keeps on a real host's blob store once complete: one blob. Its hash list is
 * deleted when it completes, and the runs a seek opened (a Range read far ahead while it arrived)
 * are joined into the first one; the bytes read back after that give the file's root, and a restart
 * finds nothing left to tidy. Before (review round 33, finding 1) every received file kept its hash
 * list and every run for good (two blobs for a file sent in order, three for one seek), and the
 * host's cap of 10,000 blobs per extension stopped every transfer and upload once reached.
 */
import { expect } from 'chai';
import { eventually, type TestHost } from '@kith/sdk/testing';
import { blobCount, download, expectedRoot, randomFile, sendFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

describe('files: a received file keeps one blob (real hosts)', function () {
  this.timeout(240_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('a file sent in order: its run only, the hash list deleted (was two blobs)', async () => {
    const before = blobCount(bob);
    const bytes = randomFile(1024 * 1024 + 333);
    const id = (await sendFile(alice, bob.persona!.key, bytes, 'plain.bin')).transfer_id as string;
    expect((await waitState(bob, id, 'complete', 60_000)).root).to.equal(expectedRoot(bytes));
    await eventually('one blob at Bob', async () => blobCount(bob) === before + 1, 10_000, 50);
    const back = await download(bob, id);
    expect(expectedRoot(back.bytes)).to.equal(expectedRoot(bytes));
  });

  it('a file a seek split in two runs: joined into one blob, the bytes whole (was three blobs)', async () => {
    const before = blobCount(bob);
    const size = 3 * 1024 * 1024 + 4321;
    const bytes = randomFile(size);
    await alice.request('POST', '/files/send-rate', { bytes_per_second: 256 * 1024 });
    try {
      const id = (await sendFile(alice, bob.persona!.key, bytes, 'seeked.webm', 'video/webm')).transfer_id as string;
      await eventually('some bytes at Bob', async () => (await transferOn(bob, id))?.bytes_done >= 128 * 1024, 60_000, 20);
      // A read near the end: those blocks are asked for first and start a second run.
      const tail = await download(bob, id, `bytes=${size - 100_000}-${size - 1}`);
      expect(tail.status).to.equal(206);
      expect(Buffer.compare(Buffer.from(tail.bytes), Buffer.from(bytes.subarray(size - 100_000)))).to.equal(0);
      expect((await transferOn(bob, id)).bytes_done, 'the seek came before the end').to.be.lessThan(size);
      await alice.request('POST', '/files/send-rate', { bytes_per_second: null });
      expect((await waitState(bob, id, 'complete', 120_000)).root).to.equal(expectedRoot(bytes));
      await eventually('one blob at Bob', async () => blobCount(bob) === before + 1, 20_000, 50);
      const back = await download(bob, id);
      expect(back.status).to.equal(200);
      expect(expectedRoot(back.bytes)).to.equal(expectedRoot(bytes));
      const middle = await download(bob, id, 'bytes=1000000-2999999');
      expect(Buffer.compare(Buffer.from(middle.bytes), Buffer.from(bytes.subarray(1_000_000, 3_000_000)))).to.equal(0);

      // After a restart nothing is left to tidy, and the file still reads whole.
      await bob.restart();
      expect(blobCount(bob)).to.equal(before + 1);
      expect(expectedRoot((await download(bob, id)).bytes)).to.equal(expectedRoot(bytes));
    } finally {
      await alice.request('POST', '/files/send-rate', { bytes_per_second: null }).catch(() => undefined);
    }
  });
});
