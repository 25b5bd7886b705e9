/**
 * Empty files, fairness between friends and friends who are removed, on the real Receiver and
 * Sender driven event by event (support/in-memory-files.ts): an empty file completes at once with
 * the root of nothing; one friend's offers it never sends cannot take every other friend's place
 * (the hash-list budget, the places, an idle file giving its place up) or room (the quota); a
 * removed friend's files end here and others' waiting files start. Each of these failed on the
 * code before (attack round 27a, findings 2-5).
 */
import { expect } from 'chai';
import { rootOf, StreamingBlockHasher, toHex } from '../src/block-hashes.js';
import { MAX_ARRIVING, MAX_ARRIVING_PER_FRIEND, WAITING_TEXT } from '../src/admission.js';
import { MAX_FILE_BYTES } from '../src/files-kinds.js';
import { NOT_A_FRIEND_TEXT } from '../src/receiver.js';
import { FRIEND, InMemoryFiles } from './support/in-memory-files.js';

const CAROL = 'c'.repeat(64);
const DAVE = 'd'.repeat(64);
const ROOT = 'ab'.repeat(32);
const BS = 16 * 1024;
let next = 0;
const newId = () => (next++).toString(16).padStart(32, 'e');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function offer(files: InMemoryFiles, peer: string, size: number, bs = BS, root = ROOT): Promise<string> {
  const id = newId();
  return files.receiver.onOffer(files.event('files.offer', undefined, peer), { id, name: 'x.bin', size, mime: 'application/octet-stream', root, bs, ts: Date.now() }).then(() => id);
}

function stateOf(files: InMemoryFiles, id: string): { state: string; error: string | null } | undefined {
  const record = files.book.get(id);
  return record && { state: record.state, error: record.error };
}

function sentTo(files: InMemoryFiles, id: string, kind: string) {
  return files.sent.filter((e) => e.kind === kind && e.header.id === id);
}

/** A real file from `peer`: offered with its root, its hash list sent; the blocks are the test's. */
async function realFile(files: InMemoryFiles, peer: string, blocks: number): Promise<{ id: string; bytes: Uint8Array }> {
  const bytes = new Uint8Array(blocks * BS).map((_, k) => (k * 7 + blocks) & 0xff);
  const hasher = new StreamingBlockHasher(BS);
  hasher.update(bytes);
  const { hashes, root } = hasher.finish();
  const id = await offer(files, peer, bytes.length, BS, toHex(root));
  await files.receiver.onHashes(files.event('files.hashes', undefined, peer), { id, from: 0 }, hashes);
  return { id, bytes };
}

async function chunk(files: InMemoryFiles, peer: string, file: { id: string; bytes: Uint8Array }, i: number): Promise<void> {
  await files.receiver.onChunk(files.event('files.chunk', undefined, peer), { id: file.id, i }, file.bytes.subarray(i * BS, (i + 1) * BS));
}

describe('files: empty files, fair turns between friends, removed friends (in memory)', function () {
  this.timeout(60_000);

  beforeEach(() => {
    next = 0;
  });

  describe('an empty file', () => {
    it('is complete at the receiver as soon as it is offered, with the root of nothing, and the sender hears files.done', async () => {
      const files = new InMemoryFiles();
      const root = toHex(rootOf(0, 64 * 1024, new Uint8Array(0)));
      const id = await offer(files, FRIEND, 0, 64 * 1024, root);
      expect(stateOf(files, id)).to.deep.equal({ state: 'complete', error: null });
      expect(sentTo(files, id, 'files.done').map((e) => e.header.root)).to.deep.equal([root]);
      expect(sentTo(files, id, 'files.resume')).to.have.length(0);
      // Nothing is left arriving: its ticks send nothing more.
      const before = files.sent.length;
      await files.receiver.tick();
      expect(files.sent.length).to.equal(before);
    });

    it('with a root that is not the root of nothing fails (bad-root), holding nothing', async () => {
      const files = new InMemoryFiles();
      const id = await offer(files, FRIEND, 0, 64 * 1024, ROOT);
      expect(stateOf(files, id)!.state).to.equal('failed');
      expect(sentTo(files, id, 'files.cancel').map((e) => e.header.reason)).to.deep.equal(['bad-root']);
    });

    it('takes no place: four of them leave every place free for the next real file', async () => {
      const files = new InMemoryFiles();
      const root = toHex(rootOf(0, BS, new Uint8Array(0)));
      for (let k = 0; k < MAX_ARRIVING_PER_FRIEND; k++) expect(stateOf(files, await offer(files, FRIEND, 0, BS, root))!.state).to.equal('complete');
      const real = await offer(files, FRIEND, 1024);
      expect(stateOf(files, real)).to.deep.equal({ state: 'active', error: null });
    });

    it('the sender completes on the receiver files.done', async () => {
      const files = new InMemoryFiles();
      const record = await files.outgoing(0);
      record.root = toHex(rootOf(0, record.bs, new Uint8Array(0)));
      await files.sender.onDone(files.event('files.done'), { id: record.id, root: record.root });
      expect(record.state).to.equal('complete');
      expect(record.vault).to.equal(null);
    });
  });

  describe('one friend cannot take every other friend\'s place', () => {
    it('two 16 GiB offers in 16 KiB blocks (64 MiB of hash lists) from one friend: another friend\'s 1 KB file still arrives at once', async () => {
      const files = new InMemoryFiles();
      files.friends.add(CAROL);
      const hogs = [await offer(files, FRIEND, MAX_FILE_BYTES), await offer(files, FRIEND, MAX_FILE_BYTES)];
      expect(stateOf(files, hogs[0]!)!.state).to.equal('active');
      // The friend's second list passes its half of the budget: it waits.
      expect(stateOf(files, hogs[1]!)).to.deep.equal({ state: 'held', error: WAITING_TEXT });
      const carol = await offer(files, CAROL, 1024);
      expect(stateOf(files, carol)).to.deep.equal({ state: 'active', error: null });
      expect(sentTo(files, carol, 'files.resume')).to.have.length(1);
    });

    it('64 offers of 16 GiB from one friend (the whole 1 TiB quota declared): another friend\'s 1 KB file is not refused for room', async () => {
      const files = new InMemoryFiles();
      files.friends.add(CAROL);
      for (let k = 0; k < 64; k++) await offer(files, FRIEND, MAX_FILE_BYTES, 64 * 1024);
      const carol = await offer(files, CAROL, 1024);
      expect(sentTo(files, carol, 'files.cancel')).to.have.length(0);
      expect(stateOf(files, carol)!.state).to.be.oneOf(['active', 'held']);
      // The friend's own waiting offers still count against its own next offer.
      const more = newId();
      await files.receiver.onOffer(files.event('files.offer'), { id: more, name: 'x.bin', size: MAX_FILE_BYTES, mime: 'application/octet-stream', root: ROOT, bs: 64 * 1024, ts: Date.now() });
      expect(sentTo(files, more, 'files.cancel').map((e) => e.header.reason)).to.deep.equal(['no-space']);
    });

    it('a file that moves nothing while another friend\'s file waits gives up its place, keeps what it has, and goes on from there at its turn', async () => {
      const files = new InMemoryFiles({ idleYieldMs: 1000 });
      files.friends.add(CAROL).add(DAVE);
      // The friend's first file moves one block of three, then nothing; the rest of the places are full.
      const moving = await realFile(files, FRIEND, 3);
      await chunk(files, FRIEND, moving, 0);
      for (let k = 1; k < MAX_ARRIVING_PER_FRIEND; k++) await offer(files, FRIEND, 100_000);
      for (let k = 0; k < MAX_ARRIVING - MAX_ARRIVING_PER_FRIEND; k++) await offer(files, DAVE, 100_000);
      const friendWaiting = await offer(files, FRIEND, 1000);
      const carol = await offer(files, CAROL, 1000);
      expect(stateOf(files, carol)).to.deep.equal({ state: 'held', error: WAITING_TEXT });
      await sleep(100);
      await files.receiver.tick();
      expect(stateOf(files, carol)!.state, 'not idle long enough yet').to.equal('held');

      await sleep(1000);
      const since = files.sent.length;
      await files.receiver.tick();
      // Carol's file started first (her friend has none arriving), ahead of the friend's older waiting offer.
      expect(stateOf(files, carol)).to.deep.equal({ state: 'active', error: null });
      const record = files.book.get(moving.id)!;
      // Every idle file gave up its place and those that fit came back, in turn; the moving one kept its block on disk.
      expect(record.runs).to.have.length(1);
      expect(files.blobs.get(record.runs[0]!.blob)!.size).to.equal(BS);
      expect(files.blobs.has(record.hashesBlob!)).to.equal(true);
      expect(files.sent.slice(since).some((e) => e.kind === 'files.hold' && e.header.reason === 'queued')).to.equal(true);
      const arriving = [...files.book.records.values()].filter((r) => r.state === 'active');
      expect(arriving.length).to.equal(MAX_ARRIVING);
      expect(arriving.filter((r) => r.peer === CAROL)).to.have.length(1);

      // Until it is its turn again: then its resume says the block it has, and it completes with the rest.
      for (const r of arriving) if (r.id !== moving.id && r.id !== friendWaiting && r.peer !== CAROL && r.state === 'active') await files.receiver.cancel(r);
      await files.receiver.cancel(files.book.get(carol)!);
      await files.receiver.admit();
      expect(stateOf(files, moving.id)!.state).to.equal('active');
      const resumes = sentTo(files, moving.id, 'files.resume');
      expect(resumes.at(-1)!.header).to.deep.include({ have: [[0, 1]], hashes: false });
      await chunk(files, FRIEND, moving, 1);
      await chunk(files, FRIEND, moving, 2);
      for (let k = 0; k < 50 && stateOf(files, moving.id)!.state !== 'complete'; k++) await sleep(20);
      expect(stateOf(files, moving.id)!.state).to.equal('complete');
      let read = Buffer.alloc(0);
      for await (const part of files.receiver.read(files.book.get(moving.id)!, 0, moving.bytes.length)) read = Buffer.concat([read, part]);
      expect(read.equals(Buffer.from(moving.bytes))).to.equal(true);
      expect(stateOf(files, friendWaiting)!.state).to.be.oneOf(['active', 'held']);
    });

    it('eight friends with one idle file each do not take their places straight back from the friend who waits (review round 27)', async () => {
      const files = new InMemoryFiles({ idleYieldMs: 100 });
      const friends = Array.from({ length: MAX_ARRIVING }, (_, k) => String(k + 1).repeat(64).slice(0, 64).replace(/^./, 'f'));
      for (const friend of friends) files.friends.add(friend);
      files.friends.add(CAROL);
      for (const friend of friends) await offer(files, friend, 100_000);
      const carol = await offer(files, CAROL, 1000);
      expect(stateOf(files, carol)!.state).to.equal('held');
      await sleep(200);
      await files.receiver.tick();
      // Ties between friends with none arriving went to the oldest offer: the files that just gave
      // up their places, so Carol's never started. Now a file back in line queues behind her.
      expect(stateOf(files, carol)).to.deep.equal({ state: 'active', error: null });
      expect([...files.book.records.values()].filter((r) => r.state === 'active')).to.have.length(MAX_ARRIVING);
    });

    it('an idle file keeps its place when only its own friend\'s files wait', async () => {
      const files = new InMemoryFiles({ idleYieldMs: 100 });
      const first = await offer(files, FRIEND, 100_000);
      for (let k = 1; k < MAX_ARRIVING_PER_FRIEND; k++) await offer(files, FRIEND, 100_000);
      const waiting = await offer(files, FRIEND, 1000);
      await sleep(200);
      await files.receiver.tick();
      expect(stateOf(files, first)!.state).to.equal('active');
      expect(stateOf(files, waiting)!.state).to.equal('held');
    });
  });

  describe('a friend who is removed', () => {
    it('their files end here (partial data gone, nothing sent to them) and another friend\'s waiting file starts', async () => {
      const files = new InMemoryFiles();
      files.friends.add(CAROL).add(DAVE);
      const partial = await realFile(files, FRIEND, 3);
      await chunk(files, FRIEND, partial, 0);
      for (let k = 0; k < 10 && files.book.get(partial.id)!.runs.length === 0; k++) await sleep(20);
      for (let k = 1; k < MAX_ARRIVING_PER_FRIEND; k++) await offer(files, FRIEND, 100_000);
      const theirWaiting = await offer(files, FRIEND, 1000);
      for (let k = 0; k < MAX_ARRIVING - MAX_ARRIVING_PER_FRIEND; k++) await offer(files, DAVE, 100_000);
      const carol = await offer(files, CAROL, 1000);
      expect(stateOf(files, carol)!.state).to.equal('held');
      const blobs = [...files.book.get(partial.id)!.runs.map((r) => r.blob), files.book.get(partial.id)!.hashesBlob!];
      expect(blobs.every((b) => files.blobs.has(b))).to.equal(true);

      files.friends.delete(FRIEND);
      const since = files.sent.length;
      await files.receiver.friendRemoved(FRIEND);
      for (const record of files.book.records.values()) {
        if (record.peer === FRIEND) expect({ state: record.state, error: record.error }).to.deep.equal({ state: 'cancelled', error: NOT_A_FRIEND_TEXT });
      }
      expect(stateOf(files, theirWaiting)!.state).to.equal('cancelled');
      expect(blobs.some((b) => files.blobs.has(b)), 'partial data removed').to.equal(false);
      expect(files.sent.slice(since).filter((e) => e.peer === FRIEND)).to.have.length(0);
      expect(stateOf(files, carol)).to.deep.equal({ state: 'active', error: null });
    });

    it('a cancel of a file from someone no longer a friend ends it here without sending, and starts a waiting one', async () => {
      const files = new InMemoryFiles();
      files.friends.add(CAROL);
      const ids: string[] = [];
      for (let k = 0; k < MAX_ARRIVING_PER_FRIEND; k++) ids.push(await offer(files, FRIEND, 100_000));
      const waiting = await offer(files, FRIEND, 1000);
      files.friends.delete(FRIEND);
      await files.receiver.cancel(files.book.get(ids[0]!)!);
      expect(stateOf(files, ids[0]!)!.state).to.equal('cancelled');
      expect(stateOf(files, waiting)!.state).to.equal('active');
      // And an outgoing one.
      files.friends.add(FRIEND);
      const out = await files.outgoing(1000);
      files.friends.delete(FRIEND);
      await files.sender.cancel(out);
      expect(out.state).to.equal('cancelled');
      expect(out.vault).to.equal(null);
    });
  });
});
