/**
 * The friend turns the files extension off in the middle of a transfer: their host stops
 * announcing the files kinds, so the blocks waiting in the sender's bulk window can no longer be
 * framed for them. The sender's host must refuse those here and go on (before, the send loop threw
 * "kind undefined is not a byte", an uncaught exception in the host), and hold the transfer with
 * the reason. When the friend turns files on again, the transfer finishes. Real hosts.
 */
import { expect } from 'chai';
import type { TestHost } from '@kith/sdk/testing';
import { download, randomFile, sendFile, startFilesPair, waitState, type FilesPair } from './support/files-net.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('files: the friend turns files off mid-transfer (real hosts)', function () {
  this.timeout(180_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('keeps the sender running, and finishes once files is on again', async () => {
    await alice.request('POST', '/files/send-rate', { bytes_per_second: 512 * 1024 });
    const file = randomFile(4 * 1024 * 1024);
    const { transfer_id: id } = await sendFile(alice, bob.persona!.key, file, 'midway.bin');
    // The file on its way: some of it at Bob.
    for (let i = 0; i < 200; i++) {
      const t = await bob.call('GET', `/files/${id}`);
      if (t.status === 200 && t.body.bytes_done > 256 * 1024) break;
      await sleep(50);
    }
    await bob.request('POST', '/extensions/files', { enabled: false });
    // Alice's row says why it stopped (as soon as her next packets are refused: on a loaded machine, seconds).
    await waitState(alice, id, 'held', 60_000);
    const held = (await alice.call('GET', `/files/${id}`)).body;
    expect(held.state).to.equal('held');
    expect(held.error).to.contain('turned Files off');
    // Alice's host is still there, and so is the session.
    expect((await alice.call('GET', '/health')).status).to.equal(200);
    expect((await alice.request<{ sessions: { peer: string }[] }>('GET', '/sessions')).sessions.map((s) => s.peer)).to.include(bob.persona!.key);
    await alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    await bob.request('POST', '/extensions/files', { enabled: true });
    await waitState(bob, id, 'complete', 120_000);
    expect(Buffer.from((await download(bob, id)).bytes).equals(Buffer.from(file))).to.equal(true);
  });
});
