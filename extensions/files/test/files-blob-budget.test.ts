/**
 * What received files cost in blobs, against the host's cap on blobs per extension (10,000), on the
 * real Receiver, TransferBook and Uploads driven event by event (support/in-memory-files.ts, whose
 * `ctx.blobs.create` refuses past the cap as the host does): a complete file keeps one blob (its
 * hash list deleted, its runs joined, the bytes read back whole, also by a reader that was reading
 * while they were joined); offers are refused `no-space` before the cap, with a reserve that lets
 * files already arriving and the user's own uploads go on; a file held by the cap says so, not
 * "the disk is full"; a complete or waiting file keeps no hash list in memory. Each of these failed
 * on the code before (review round 33, findings 1 and 4: one hash list and up to 64 runs kept per
 * received file, for good; the cap never looked at; the hash list held in the progress closure).
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { MAX_ARRIVING, MAX_ARRIVING_PER_FRIEND, WAITING_TEXT } from '../src/admission.js';
import { TOO_MANY_FILES_TEXT } from '../src/blob-budget.js';
import { StreamingBlockHasher, toHex } from '../src/block-hashes.js';
import { Uploads, type UploadRecord } from '../src/uploads.js';
import { FRIEND, InMemoryFiles } from './support/in-memory-files.js';

const CAROL = 'c'.repeat(64);
const DAVE = 'd'.repeat(64);
const BS = 16 * 1024;
let next = 0;
const newId = () => (next++).toString(16).padStart(32, '0');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface File {
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** Offer a file of `blocks` blocks from `peer` with its real root; the test sends the hash list and blocks. */
async function offerFile(files: InMemoryFiles, peer: string, blocks: number): Promise<File> {
  const bytes = new Uint8Array(blocks * BS - 100).map((_, k) => (k * 13 + blocks + next) & 0xff);
  const hasher = new StreamingBlockHasher(BS);
  hasher.update(bytes);
  const { root } = hasher.finish();
  const id = newId();
  await files.receiver.onOffer(files.event('files.offer', undefined, peer), { id, name: 'x.bin', size: bytes.length, mime: 'application/octet-stream', root: toHex(root), bs: BS, ts: Date.now() });
  return { id, bytes };
}

async function sendHashes(files: InMemoryFiles, peer: string, file: File): Promise<void> {
  const hasher = new StreamingBlockHasher(BS);
  hasher.update(file.bytes);
  await files.receiver.onHashes(files.event('files.hashes', undefined, peer), { id: file.id, from: 0 }, hasher.finish().hashes);
}

async function chunk(files: InMemoryFiles, peer: string, file: File, i: number): Promise<void> {
  await files.receiver.onChunk(files.event('files.chunk', undefined, peer), { id: file.id, i }, file.bytes.subarray(i * BS, (i + 1) * BS));
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const start = Date.now(); !check(); await sleep(5)) if (Date.now() - start > ms) throw new Error(`timed out: ${what}`);
}

/** Offer, hash list, every block (in `order`), then wait until it is complete and tidied. */
async function receive(files: InMemoryFiles, peer: string, blocks: number, order = (n: number) => [...Array(n).keys()]): Promise<File> {
  const file = await offerFile(files, peer, blocks);
  await sendHashes(files, peer, file);
  for (const i of order(blocks)) await chunk(files, peer, file, i);
  await until(`${file.id} complete`, () => files.book.get(file.id)?.state === 'complete');
  await files.receiver.tidied();
  return file;
}

async function readAll(files: InMemoryFiles, id: string, offset = 0): Promise<Buffer> {
  const record = files.book.get(id)!;
  const parts: Uint8Array[] = [];
  for await (const part of files.receiver.read(record, offset, record.size - offset)) parts.push(part);
  return Buffer.concat(parts);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const reversed = (n: number) => [...Array(n).keys()].reverse();
const cancelsOf = (files: InMemoryFiles, id: string) => files.sent.filter((e) => e.kind === 'files.cancel' && e.header.id === id).map((e) => e.header.reason);

describe('files: what received files cost in blobs (in memory)', function () {
  this.timeout(60_000);

  beforeEach(() => {
    next = 0;
  });

  describe('a complete file keeps one blob', () => {
    it('its hash list is deleted when it completes (was kept for good: two blobs per file)', async () => {
      const files = new InMemoryFiles();
      const file = await offerFile(files, FRIEND, 3);
      await sendHashes(files, FRIEND, file);
      const hashList = files.book.get(file.id)!.hashesBlob!;
      expect(files.blobs.has(hashList)).to.equal(true);
      for (let i = 0; i < 3; i++) await chunk(files, FRIEND, file, i);
      await until('complete', () => files.book.get(file.id)!.state === 'complete');
      const record = files.book.get(file.id)!;
      expect(record.hashesBlob).to.equal(null);
      expect(files.blobs.has(hashList), 'the hash list blob').to.equal(false);
      expect(files.store.rows.get(file.id)!.hashesBlob, 'the saved row').to.equal(null);
      expect(files.blobs.size).to.equal(1);
      expect(sha256(await readAll(files, file.id))).to.equal(sha256(file.bytes));
    });

    it('20 blocks sent in reverse order (20 runs) are joined into one blob, and read back whole (were 21 blobs)', async () => {
      const files = new InMemoryFiles();
      const file = await offerFile(files, FRIEND, 20);
      await sendHashes(files, FRIEND, file);
      // Every block but the first, last to first: a run each.
      for (const i of reversed(20).slice(0, 19)) await chunk(files, FRIEND, file, i);
      await until('19 runs', () => files.book.get(file.id)!.runs.length === 19);
      await chunk(files, FRIEND, file, 0);
      await until('complete', () => files.book.get(file.id)!.state === 'complete');
      await files.receiver.tidied();
      const record = files.book.get(file.id)!;
      expect(record.runs).to.have.length(1);
      expect(record.runs[0]!.start).to.equal(0);
      expect(files.store.rows.get(file.id)!.runs).to.deep.equal(record.runs);
      expect(files.blobs.size, 'blobs the file keeps').to.equal(1);
      expect(files.blobs.get(record.runs[0]!.blob)!.size).to.equal(file.bytes.length);
      expect(sha256(await readAll(files, file.id))).to.equal(sha256(file.bytes));
      expect(sha256(await readAll(files, file.id, 5 * BS + 7))).to.equal(sha256(file.bytes.subarray(5 * BS + 7)));
    });

    it('a reader reading while the file completes and its runs are joined reads on from the joined blob', async () => {
      const files = new InMemoryFiles();
      const file = await offerFile(files, FRIEND, 12);
      await sendHashes(files, FRIEND, file);
      // Every block but the first, last to first: eleven runs.
      for (const i of reversed(12).slice(0, 11)) await chunk(files, FRIEND, file, i);
      await until('eleven blocks durable', () => files.book.get(file.id)!.runs.length === 11 && files.storedBytes() >= file.bytes.length - BS);
      const reader = files.receiver.read(files.book.get(file.id)!, BS, file.bytes.length - BS)[Symbol.asyncIterator]();
      const first = await reader.next();
      expect(first.done).to.equal(false);
      await chunk(files, FRIEND, file, 0);
      await until('complete', () => files.book.get(file.id)!.state === 'complete');
      await files.receiver.tidied();
      expect(files.blobs.size).to.equal(1);
      const parts = [first.value as Uint8Array];
      for (let step = await reader.next(); !step.done; step = await reader.next()) parts.push(step.value);
      expect(sha256(Buffer.concat(parts))).to.equal(sha256(file.bytes.subarray(BS)));
    });
  });

  describe('the cap on blobs', () => {
    const MAX = 60;
    const RESERVE = 6;

    it('offers are refused no-space before the cap; a file arriving completes and the user can still upload', async () => {
      const files = new InMemoryFiles({ blobBudget: { max: MAX, reserve: RESERVE } });
      files.maxBlobs = MAX;
      files.friends.add(CAROL);
      // Arriving already: its runs (up to one per block) and hash list are promised.
      const arriving = await offerFile(files, CAROL, 4);
      let refused: string | undefined;
      for (let k = 0; k < MAX && !refused; k++) {
        const file = await offerFile(files, FRIEND, 1);
        if (cancelsOf(files, file.id).length > 0) {
          refused = file.id;
          break;
        }
        await sendHashes(files, FRIEND, file);
        await chunk(files, FRIEND, file, 0);
        await until('complete', () => files.book.get(file.id)!.state === 'complete');
      }
      expect(refused, 'an offer was refused').to.be.a('string');
      expect(cancelsOf(files, refused!)).to.deep.equal(['no-space']);
      expect(files.book.get(refused!), 'nothing stored').to.equal(undefined);
      // Refused with the arriving file's 5 blobs and the reserve still free.
      expect(files.blobs.size).to.be.at.most(MAX - RESERVE - 5);
      expect(files.blobs.size + 5 + 2).to.be.greaterThan(MAX - RESERVE);

      // The file that was arriving completes, blocks out of order (a run each).
      await sendHashes(files, CAROL, arriving);
      for (const i of reversed(4)) await chunk(files, CAROL, arriving, i);
      await until('the arriving file complete', () => files.book.get(arriving.id)!.state === 'complete');
      await files.receiver.tidied();
      expect(sha256(await readAll(files, arriving.id))).to.equal(sha256(arriving.bytes));

      // The user's own file (a sealed copy and a hash list) still has its blobs.
      const note = await new Uploads(files.book).oneShot(null, { name: 'note.txt', mime: 'text/plain' }, new TextEncoder().encode('still works'));
      expect(note.state).to.equal('complete');
      expect(files.blobs.size).to.be.at.most(MAX);
    });

    it('a waiting file does not start into the reserve; it starts once a file is deleted', async () => {
      // Under the cap less the reserve: 26 blobs.
      const files = new InMemoryFiles({ blobBudget: { max: 30, reserve: 4 } });
      // Four arriving files of 2 blocks (a run per block and the hash list: 3 blobs promised each), one waiting.
      const arriving: File[] = [];
      for (let k = 0; k < MAX_ARRIVING_PER_FRIEND; k++) arriving.push(await offerFile(files, FRIEND, 2));
      const waiting = await offerFile(files, FRIEND, 2);
      expect(files.book.get(waiting.id)!.error).to.equal(WAITING_TEXT);
      // The user's own files take 14 blobs meanwhile (a sealed copy and a hash list each).
      const uploads = new Uploads(files.book);
      const notes: UploadRecord[] = [];
      for (let k = 0; k < 7; k++) notes.push(await uploads.oneShot(null, { name: `n${k}.txt` }, new Uint8Array([k])));
      expect(files.blobs.size).to.equal(14);
      // One completes (one blob kept): 15 used + 9 promised to the three still arriving + 3 wanted > 26.
      const first = arriving[0]!;
      await sendHashes(files, FRIEND, first);
      await chunk(files, FRIEND, first, 0);
      await chunk(files, FRIEND, first, 1);
      await until('complete', () => files.book.get(first.id)!.state === 'complete');
      await files.receiver.admit();
      expect(files.blobs.size).to.equal(15);
      expect({ state: files.book.get(waiting.id)!.state, error: files.book.get(waiting.id)!.error }).to.deep.equal({ state: 'held', error: WAITING_TEXT });
      // The user deletes a note (as DELETE /files/:id does): 13 + 9 + 3 fit, and it starts.
      const note = notes[0]!;
      for (const blob of [note.vault, note.hashesBlob]) if (blob) await files.book.ctx.blobs.delete(blob);
      await files.book.forget(note.id);
      await files.receiver.admit();
      expect({ state: files.book.get(waiting.id)!.state, error: files.book.get(waiting.id)!.error }).to.deep.equal({ state: 'active', error: null });
    });

    it('a file held by the cap says so, to both sides, not "the disk is full"', async () => {
      const files = new InMemoryFiles();
      files.maxBlobs = 1;
      const file = await offerFile(files, FRIEND, 2);
      await sendHashes(files, FRIEND, file);
      await chunk(files, FRIEND, file, 0);
      await until('held', () => files.book.get(file.id)!.state === 'held');
      const record = files.book.get(file.id)!;
      expect(record.error).to.equal(TOO_MANY_FILES_TEXT);
      expect(record.error).not.to.match(/disk/i);
      const holds = files.sent.filter((e) => e.kind === 'files.hold' && e.header.id === file.id).map((e) => e.header.reason);
      expect(holds).to.deep.equal(['too-many-files']);
      // No blob left half made.
      expect(files.blobs.size).to.equal(1);
    });
  });

  describe('a hash list in memory', () => {
    it('is released when the file completes: no progress closure holds it (was kept until the record was forgotten)', async () => {
      const files = new InMemoryFiles();
      const file = await offerFile(files, FRIEND, 3);
      await sendHashes(files, FRIEND, file);
      const state = (files.receiver as unknown as { live: Map<string, { hashes: Uint8Array | null }> }).live.get(file.id)!;
      expect(state.hashes).to.be.instanceOf(Uint8Array);
      expect(files.book.progress.has(file.id)).to.equal(true);
      for (let i = 0; i < 3; i++) await chunk(files, FRIEND, file, i);
      await until('complete', () => files.book.get(file.id)!.state === 'complete');
      expect(files.book.progress.has(file.id), 'the progress closure').to.equal(false);
      expect(state.hashes, 'the arriving state a reader may still hold').to.equal(null);
      expect(files.book.json(files.book.get(file.id)!).bytes_done).to.equal(file.bytes.length);
    });

    it('is released when an idle file gives up its place (its progress kept as a number)', async () => {
      const files = new InMemoryFiles({ idleYieldMs: 100 });
      files.friends.add(CAROL).add(DAVE);
      const idle = await offerFile(files, FRIEND, 3);
      await sendHashes(files, FRIEND, idle);
      await chunk(files, FRIEND, idle, 0);
      await until('block 0 durable', () => files.book.get(idle.id)!.runs.length === 1 && files.storedBytes() >= 3 * 32 + BS);
      const state = (files.receiver as unknown as { live: Map<string, { hashes: Uint8Array | null }> }).live.get(idle.id)!;
      expect(state.hashes).to.be.instanceOf(Uint8Array);
      for (let k = 1; k < MAX_ARRIVING_PER_FRIEND; k++) await offerFile(files, FRIEND, 10);
      for (let k = 0; k < MAX_ARRIVING - MAX_ARRIVING_PER_FRIEND; k++) await offerFile(files, DAVE, 10);
      const carol = await offerFile(files, CAROL, 1);
      expect(files.book.get(carol.id)!.state).to.equal('held');
      await sleep(150);
      await files.receiver.tick();
      expect(files.book.get(carol.id)!.state, 'Carol took a place').to.equal('active');
      // It went back to waiting (and may have come back, with its list read again from disk into a new state).
      expect(files.sent.some((e) => e.kind === 'files.hold' && e.header.id === idle.id && e.header.reason === 'queued')).to.equal(true);
      expect(state.hashes, 'the state the progress closure held').to.equal(null);
      expect(files.book.json(files.book.get(idle.id)!).bytes_done).to.equal(BS);
    });
  });
});
