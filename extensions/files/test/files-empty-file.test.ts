/**
 * A 0-byte file between two real hosts, sent the two ways the page sends files (one JSON request,
 * and begin + commit): it completes on both sides with the root of an empty file (docs/wire/files.md:
 * no blocks, the root over nothing), reads back as 0 bytes, and holds no place: the next real
 * file arrives after four of them. Before, both sides stayed `active` for ever (the receiver
 * refused every hash piece of a file with no blocks, the sender sent none), each one held a place,
 * and the receiver asked for its hash list again every 3 s.
 */
import { expect } from 'chai';
import type { TestHost } from '@kith/sdk/testing';
import { download, expectedRoot, randomFile, sendFile, startFilesPair, waitState, type FilesPair } from './support/files-net.js';

const EMPTY_ROOT = expectedRoot(new Uint8Array(0));

describe('files: an empty file (real hosts)', function () {
  this.timeout(240_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  async function delivered(id: string): Promise<void> {
    const [sent, got] = await Promise.all([waitState(alice, id, 'complete', 30_000), waitState(bob, id, 'complete', 30_000)]);
    expect(sent.root).to.equal(EMPTY_ROOT);
    expect(got.root).to.equal(EMPTY_ROOT);
    expect(got).to.deep.include({ size: 0, bytes_done: 0, error: null, available: true });
    const read = await download(bob, id);
    expect(read.status).to.equal(200);
    expect(read.bytes.length).to.equal(0);
  }

  it('sent in one request (data_base64 ""), completes on both sides with the root of nothing', async () => {
    const sent = await alice.request('POST', `/sessions/${bob.persona!.key}/files`, { name: 'empty.txt', mime: 'text/plain', data_base64: '' });
    await delivered(sent.transfer_id);
  });

  it('staged (begin {size: 0}, commit), completes too; four of them leave room for the next real file', async () => {
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) ids.push((await sendFile(alice, bob.persona!.key, new Uint8Array(0), `empty-${k}.txt`, 'text/plain')).transfer_id);
    for (const id of ids) await delivered(id);
    const bytes = randomFile(1024);
    const real = (await sendFile(alice, bob.persona!.key, bytes, 'after.bin')).transfer_id as string;
    expect((await waitState(bob, real, 'complete', 60_000)).root).to.equal(expectedRoot(bytes));
    // Nothing still moves for the empty ones: the page hears no more of them (it heard one every 3 s).
    const from = alice.events.received.length;
    await new Promise((resolve) => setTimeout(resolve, 7000));
    const later = alice.events.received.slice(from).filter((e) => e.name === 'files:transfer' && ids.includes((e.payload as { transfer_id?: string }).transfer_id ?? ''));
    expect(later).to.have.length(0);
  });
});
