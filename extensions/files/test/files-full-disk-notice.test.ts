/**
 * When the disk fills, it fills for everything on it: the blocks, the transfer's row in the
 * database and the bus's queue of reliable events. The real Receiver and TransferBook on the
 * in-memory context (support/in-memory-files.ts), with each of those writes refused: the page
 * still hears the transfer is held, the sender still hears it within the session, and the row is
 * written once there is room.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { KithError } from '@kith/sdk';
import { rootOf, toHex } from '../src/block-hashes.js';
import { InMemoryFiles } from './support/in-memory-files.js';

const BS = 16 * 1024;
const TRANSFER = 'd'.repeat(32);

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('files: a disk that refuses every write still holds the transfer visibly on both sides', () => {
  it('tells the page and the sender (within the session), and writes the row once there is room', async () => {
    const files = new InMemoryFiles();
    const blocks = [0, 1, 2, 3].map((k) => new Uint8Array(BS).fill(k + 1));
    const hashes = Buffer.concat(blocks.map((b) => createHash('sha256').update(b).digest()));
    const size = BS * blocks.length;
    const offer = { id: TRANSFER, name: 'x.bin', size, mime: 'application/octet-stream', root: toHex(rootOf(size, BS, hashes)), bs: BS, ts: Date.now() };
    await files.receiver.onOffer(files.event('files.offer'), offer);
    await files.receiver.onHashes(files.event('files.hashes'), { id: TRANSFER, from: 0 }, hashes);
    expect(files.book.get(TRANSFER)?.state).to.equal('active');

    const full = new KithError('KITH_ERR_DISK_FULL', 'The disk is full');
    Object.assign(files.faults, { blobs: full, store: full, queue: full });
    for (const [i, block] of blocks.entries()) await files.receiver.onChunk(files.event('files.chunk'), { id: TRANSFER, i }, block);

    await until('the page hears the hold', () => files.emitted.some((e) => e.name === 'transfer' && e.data.state === 'held'));
    const shown = files.emitted.filter((e) => e.name === 'transfer').at(-1)!.data;
    expect(shown).to.include({ transfer_id: TRANSFER, state: 'held' });
    expect(shown.error).to.match(/disk is full.*Nothing received is lost/);
    // The queue refused the durable notice; it went within the session instead.
    const holds = files.sent.filter((e) => e.kind === 'files.hold');
    expect(holds).to.have.length(1);
    expect(holds[0]!.bulk).to.equal(true);
    expect(holds[0]!.header).to.deep.include({ id: TRANSFER, reason: 'disk-full' });
    expect(files.store.rows.get(TRANSFER)?.state, 'the row could not be written').to.equal('active');

    // Room again: the next flush writes what the refused save could not.
    Object.assign(files.faults, { blobs: undefined, store: undefined, queue: undefined });
    await files.book.flushDirty();
    expect(files.store.rows.get(TRANSFER)).to.deep.include({ state: 'held' });
  });

  it('sends the hold durably when only the blocks are refused', async () => {
    const files = new InMemoryFiles();
    const block = new Uint8Array(BS).fill(9);
    const hash = createHash('sha256').update(block).digest();
    await files.receiver.onOffer(files.event('files.offer'), { id: TRANSFER, name: 'y.bin', size: BS, mime: 'application/octet-stream', root: toHex(rootOf(BS, BS, hash)), bs: BS, ts: Date.now() });
    await files.receiver.onHashes(files.event('files.hashes'), { id: TRANSFER, from: 0 }, hash);
    files.faults.blobs = new KithError('KITH_ERR_DISK_FULL', 'The disk is full');
    await files.receiver.onChunk(files.event('files.chunk'), { id: TRANSFER, i: 0 }, block);
    await until('the hold is sent', () => files.sent.some((e) => e.kind === 'files.hold'));
    expect(files.sent.find((e) => e.kind === 'files.hold')!.bulk).to.equal(false);
    expect(files.store.rows.get(TRANSFER)?.state).to.equal('held');
  });
});
