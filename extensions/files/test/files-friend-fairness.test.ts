/**
 * One friend against the others, on three real hosts: Alice (the real files code, except that
 * `hog-*` files are offered as 16 GiB in 16 KiB blocks and never sent: support/hog-sender.ts),
 * Bob (the receiver) and Carol (a stock friend of Bob). Alice's offers that never move cannot
 * hold Carol's file back, and once Bob removes a friend, that friend's files end on Bob's side,
 * both ways, whether files was running then (the friends event) or not (at its next start).
 * Before: Carol's 1 KB file waited behind Alice's two offers for as long as they existed (the
 * whole 64 MiB hash-list budget), and a removed friend's files stayed `active` for ever, their
 * cancel route answering 404.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { WAITING_TEXT } from '../src/admission.js';
import { NOT_A_FRIEND_TEXT } from '../src/receiver.js';
import { blobCount, expectedRoot, randomFile, sendFile, transferOn, waitState } from './support/files-net.js';

const HOG_SENDER = fileURLToPath(new URL('./support/hog-sender.ts', import.meta.url));

describe('files: one friend against the others, and removed friends (three real hosts)', function () {
  this.timeout(300_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  let carol: TestHost;
  const hogs: string[] = [];

  before(async () => {
    net = await startTestNetwork({ hosts: 3, perHost: [{ builtinEntries: { files: HOG_SENDER } }] });
    [alice, bob, carol] = net.hosts as [TestHost, TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.befriend(carol, bob);
    await net.connect(alice, bob);
    await net.connect(carol, bob);
  });
  after(async () => net?.close());

  it("two offers of 16 GiB in 16 KiB blocks that never move do not hold back another friend's file", async () => {
    for (let k = 0; k < 2; k++) {
      hogs.push((await sendFile(alice, bob.persona!.key, randomFile(1000), `hog-${k}.bin`)).transfer_id);
      await eventually(`Bob has hog-${k}`, async () => (await transferOn(bob, hogs[k]!))?.state !== undefined, 30_000, 50);
    }
    const bytes = randomFile(1024);
    const id = (await sendFile(carol, bob.persona!.key, bytes, 'hello.txt', 'text/plain')).transfer_id as string;
    expect((await waitState(bob, id, 'complete', 30_000)).root).to.equal(expectedRoot(bytes));
    await waitState(carol, id, 'complete', 30_000);
    // Alice's first stays arriving; her second list would pass her half of the hash-list budget: it waits.
    expect((await transferOn(bob, hogs[0]!)).state).to.equal('active');
    expect((await transferOn(bob, hogs[1]!))).to.deep.include({ state: 'held', error: WAITING_TEXT });
  });

  it('a friend removed while files is off: their files end at its next start; cancel and delete work for them', async () => {
    await bob.request('POST', '/extensions/files', { enabled: false });
    await bob.request('DELETE', `/friends/${alice.persona!.key}`);
    await bob.request('POST', '/extensions/files', { enabled: true });
    for (const hog of hogs) {
      const row = await eventually(`hog ${hog.slice(0, 8)} ended at Bob`, async () => {
        const t = (await bob.call('GET', `/files/${hog}`)).body;
        return t?.state === 'cancelled' ? t : undefined;
      }, 30_000);
      expect(row.error).to.equal(NOT_A_FRIEND_TEXT);
    }
    // The page's cancel names a peer who is no longer a friend: an answer about the transfer, not "No friend".
    const cancel = await bob.call('POST', `/sessions/${alice.persona!.key}/files/${hogs[0]}/cancel`);
    expect(cancel.status).to.equal(409);
    const deleted = await bob.call('DELETE', `/files/${hogs[0]}`);
    expect(deleted.status).to.be.within(200, 204);
    expect((await bob.call('GET', `/files/${hogs[0]}`)).status).to.equal(404);
  });

  it('a friend removed while files runs: both ways, their unfinished files end at once, partial data removed', async () => {
    // Both send slowly: the first block goes, then the rest waits on the rate.
    await carol.request('POST', '/files/send-rate', { bytes_per_second: 1024 });
    await bob.request('POST', '/files/send-rate', { bytes_per_second: 1024 });
    const blobsBefore = blobCount(bob);
    const incoming = (await sendFile(carol, bob.persona!.key, randomFile(2 * 1024 * 1024), 'slow-in.bin')).transfer_id as string;
    const outgoing = (await sendFile(bob, carol.persona!.key, randomFile(2 * 1024 * 1024), 'slow-out.bin')).transfer_id as string;
    await eventually('part of slow-in.bin at Bob', async () => ((await transferOn(bob, incoming))?.bytes_done ?? 0) > 0, 60_000);
    await waitState(bob, outgoing, 'active', 60_000);
    expect(blobCount(bob)).to.be.greaterThan(blobsBefore);

    await bob.request('DELETE', `/friends/${carol.persona!.key}`);
    const [inRow, outRow] = await Promise.all([waitState(bob, incoming, 'cancelled', 30_000), waitState(bob, outgoing, 'cancelled', 30_000)]);
    expect(inRow.error).to.equal(NOT_A_FRIEND_TEXT);
    expect(outRow.error).to.equal(NOT_A_FRIEND_TEXT);
    expect(inRow.available).to.equal(false);
    // The partial runs, the hash lists and the sealed copy are gone.
    expect(blobCount(bob)).to.equal(blobsBefore);
  });
});
