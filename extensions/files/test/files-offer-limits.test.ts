/**
 * How many new offers one friend may make (src/offer-limits.ts), on the real Receiver and
 * TransferBook driven event by event (support/in-memory-files.ts): empty files (no blob, no place
 * among the files arriving, complete at once) are counted like any other, so a loop of them is
 * refused `busy` past the friend's burst and past the bound on rows, with nothing stored, while
 * another friend's offers still go. Before (review round 33, finding 2), 2,000 empty offers left
 * 2,000 complete rows, without any bound.
 */
import { expect } from 'chai';
import { rootOf, toHex } from '../src/block-hashes.js';
import { MAX_INCOMING_PER_FRIEND, OFFER_BURST, OfferBuckets } from '../src/offer-limits.js';
import type { TransferRecord } from '../src/transfer-store.js';
import { FRIEND, InMemoryFiles } from './support/in-memory-files.js';

const CAROL = 'c'.repeat(64);
const BS = 16 * 1024;
const EMPTY_ROOT = toHex(rootOf(0, BS, new Uint8Array(0)));
let next = 0;
const newId = () => (next++).toString(16).padStart(32, '0');

/** An empty file offered by `peer`: its id, and the reason it was refused (undefined: taken). */
async function offerEmpty(files: InMemoryFiles, peer = FRIEND): Promise<{ id: string; refused?: string }> {
  const id = newId();
  await files.receiver.onOffer(files.event('files.offer', undefined, peer), { id, name: 'empty.txt', size: 0, mime: 'text/plain', root: EMPTY_ROOT, bs: BS, ts: Date.now() });
  const cancel = files.sent.find((e) => e.kind === 'files.cancel' && e.header.id === id);
  return { id, refused: cancel?.header.reason as string | undefined };
}

function rowsFrom(files: InMemoryFiles, peer: string): number {
  return [...files.store.rows.values()].filter((r) => r.peer === peer && r.direction === 'in').length;
}

describe('files: how many offers one friend may make (in memory)', function () {
  this.timeout(60_000);

  beforeEach(() => {
    next = 0;
  });

  it(`${OFFER_BURST + 200} empty offers at once: the first ${OFFER_BURST} complete, the rest are refused busy with nothing stored (were all stored)`, async () => {
    const files = new InMemoryFiles();
    files.friends.add(CAROL);
    const refused: string[] = [];
    for (let k = 0; k < OFFER_BURST + 200; k++) {
      const offer = await offerEmpty(files);
      if (offer.refused) refused.push(offer.refused);
      else expect(files.book.get(offer.id)!.state).to.equal('complete');
    }
    expect(refused).to.have.length(200);
    expect(new Set(refused)).to.deep.equal(new Set(['busy']));
    expect(rowsFrom(files, FRIEND)).to.equal(OFFER_BURST);
    expect(files.book.records.size).to.equal(OFFER_BURST);
    expect(files.book.incomingFrom(FRIEND)).to.equal(OFFER_BURST);
    // Another friend's bucket is their own.
    const carol = await offerEmpty(files, CAROL);
    expect(carol.refused).to.equal(undefined);
    expect(files.book.get(carol.id)!.state).to.equal('complete');
  });

  it(`past ${MAX_INCOMING_PER_FRIEND} rows from one friend an offer is refused busy, until the user deletes one`, async () => {
    const files = new InMemoryFiles();
    files.friends.add(CAROL);
    // Rows the friend's files left over time (empty files, complete).
    for (let k = 0; k < MAX_INCOMING_PER_FRIEND; k++) {
      const record: TransferRecord = {
        id: newId(), direction: 'in', peer: FRIEND, name: 'old.txt', mime: 'text/plain', size: 0, bs: BS, root: EMPTY_ROOT, createdAt: Date.now(),
        state: 'complete', paused: false, error: null, vault: null, hashesBlob: null, runs: [], payloadBytes: 0, completedAt: Date.now(),
      };
      await files.book.save(record);
    }
    const over = await offerEmpty(files);
    expect(over.refused).to.equal('busy');
    expect(files.book.incomingFrom(FRIEND)).to.equal(MAX_INCOMING_PER_FRIEND);
    expect(files.book.get(over.id)).to.equal(undefined);
    expect(rowsFrom(files, FRIEND)).to.equal(MAX_INCOMING_PER_FRIEND);
    expect((await offerEmpty(files, CAROL)).refused, 'another friend').to.equal(undefined);

    // Forgetting a row (the user deletes a file) counts too: the next offer is taken.
    const oldest = [...files.book.records.values()].find((r) => r.peer === FRIEND)!;
    await files.book.forget(oldest.id);
    expect(files.book.incomingFrom(FRIEND)).to.equal(MAX_INCOMING_PER_FRIEND - 1);
    const taken = await offerEmpty(files);
    expect(taken.refused).to.equal(undefined);
    expect(files.book.incomingFrom(FRIEND)).to.equal(MAX_INCOMING_PER_FRIEND);
  });

  it('a bucket refills at its rate, and never past its burst', () => {
    const buckets = new OfferBuckets(3, 1);
    const t = 1_000_000;
    expect([buckets.take(FRIEND, t), buckets.take(FRIEND, t), buckets.take(FRIEND, t), buckets.take(FRIEND, t)]).to.deep.equal([true, true, true, false]);
    expect(buckets.take(FRIEND, t + 500), 'half a token').to.equal(false);
    expect(buckets.take(FRIEND, t + 1000)).to.equal(true);
    expect(buckets.take(FRIEND, t + 1000)).to.equal(false);
    // A long quiet time gives back the burst, not more.
    const later = t + 3_600_000;
    expect([0, 1, 2, 3].map(() => buckets.take(FRIEND, later))).to.deep.equal([true, true, true, false]);
    expect(buckets.take(CAROL, later), 'another friend').to.equal(true);
  });
});
