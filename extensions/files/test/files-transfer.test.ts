/**
 * Files between two real hosts (real HTTP, SQLite, sealed blobs, UDP sessions): a transfer whose
 * bytes and root are checked independently, the offline queue, Range reads, cancel on both sides.
 */
import { expect } from 'chai';
import { startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { download, expectedRoot, randomFile, sendFile, transferOn, waitState } from './support/files-net.js';

describe('files: transfers between two real hosts', function () {
  this.timeout(180_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
  });

  it('sends a file that arrives whole, with the offered root, and the sender drops its sealed copy', async () => {
    const bytes = randomFile(3 * 1024 * 1024 + 12345);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'holiday.bin', 'application/octet-stream', 3);
    expect(sent.root).to.equal(expectedRoot(bytes));
    const received = await waitState(bob, sent.transfer_id, 'complete');
    expect(received).to.include({ name: 'holiday.bin', size: bytes.length, root: expectedRoot(bytes), direction: 'in', peer: alice.persona!.key });
    const got = await download(bob, sent.transfer_id);
    expect(got.status).to.equal(200);
    expect(Buffer.compare(Buffer.from(got.bytes), Buffer.from(bytes))).to.equal(0);
    const done = await waitState(alice, sent.transfer_id, 'complete');
    expect(done.available).to.equal(false);
    // Nothing beyond the file crossed twice: the payload counters on both ends equal the size.
    expect(done.payload_bytes).to.equal(bytes.length);
    expect((await transferOn(bob, sent.transfer_id)).payload_bytes).to.equal(bytes.length);
  });

  it('answers Range requests with exactly the asked bytes', async () => {
    const bytes = randomFile(700_000);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'clip.webm', 'video/webm');
    await waitState(bob, sent.transfer_id, 'complete');
    const part = await download(bob, sent.transfer_id, 'bytes=65530-131080');
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 65530-131080/${bytes.length}`);
    expect(part.headers.get('content-type')).to.equal('video/webm');
    expect(Buffer.compare(Buffer.from(part.bytes), Buffer.from(bytes.subarray(65530, 131081)))).to.equal(0);
  });

  it("lists each conversation's files as chat timeline entries, and says when they change (a new file, a removed one)", async () => {
    const timeline = (host: TestHost, peer: string) => host.request<{ entries: { id: string; at: number; from_me: boolean; label: string }[] }>('GET', `/files/timeline?peer=${peer}`);
    const bobKey = bob.persona!.key;
    const aliceKey = alice.persona!.key;
    const changedOnBob = bob.events.next<{ peer: string }>('files:slot-entries-changed', (e) => e.peer === aliceKey, 30_000);
    const sent = await sendFile(alice, bobKey, randomFile(40_000), 'for the timeline.txt', 'text/plain');
    await changedOnBob;
    await waitState(bob, sent.transfer_id, 'complete');
    const mine = (await timeline(alice, bobKey)).entries.find((e) => e.id === sent.transfer_id);
    const theirs = (await timeline(bob, aliceKey)).entries.find((e) => e.id === sent.transfer_id);
    expect(mine).to.include({ from_me: true, label: 'File for the timeline.txt, 40 KB', at: sent.created_at });
    expect(theirs).to.include({ from_me: false, label: 'File for the timeline.txt, 40 KB' });
    // Newest first, and only that conversation's: none in Notes to self.
    const all = (await timeline(alice, bobKey)).entries;
    expect(all.map((e) => e.at)).to.deep.equal([...all.map((e) => e.at)].sort((x, y) => y - x));
    expect((await timeline(alice, 'self')).entries.some((e) => e.id === sent.transfer_id)).to.equal(false);
    const removed = bob.events.next<{ peer: string }>('files:slot-entries-changed', (e) => e.peer === aliceKey, 30_000);
    await bob.request('DELETE', `/files/${sent.transfer_id}`);
    await removed;
    expect((await timeline(bob, aliceKey)).entries.some((e) => e.id === sent.transfer_id)).to.equal(false);
    for (const bad of ['', 'nobody', 'A'.repeat(64), `${bobKey}x`]) {
      const answer = await alice.fetch(`/api/files/timeline?peer=${bad}`);
      expect(answer.status, bad).to.equal(400);
    }
  });

  it('queues a file for an offline friend and delivers it when the next session opens', async () => {
    const bobPersona = bob.persona!;
    await bob.lock();
    const bytes = randomFile(500_000);
    const sent = await sendFile(alice, bobPersona.key, bytes, 'queued.txt', 'text/plain');
    expect(sent.state).to.equal('offered');
    await bob.unlock(bobPersona);
    await net.connect(alice, bob);
    await waitState(bob, sent.transfer_id, 'complete');
    expect(Buffer.compare(Buffer.from((await download(bob, sent.transfer_id)).bytes), Buffer.from(bytes))).to.equal(0);
  });
});
