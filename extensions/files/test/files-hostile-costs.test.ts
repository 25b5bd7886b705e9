/**
 * What a hostile friend can make this side pay, measured on the real Sender and Receiver driven
 * event by event (support/in-memory-files.ts: no bus, no disk, every send counted, CPU time of
 * this process): blocks sent before the hash list (receiver CPU), "send everything again" urgent
 * NACKs, repeated hash-list requests and hold-resume cycles (sender traffic), a set of many pieces
 * under plain NACKs (sender CPU), refused and cancelled offers (records stored). Each bound is one
 * the code before these checks exceeded many times over (the "was" in each name: measured on it).
 */
import { expect } from 'chai';
import { BlockSet, type BlockRange } from '../src/block-ranges.js';
import { blockCount } from '../src/block-hashes.js';
import { MAX_FILE_BYTES, MAX_URGENT_BLOCKS } from '../src/files-kinds.js';
import { MAX_ENDED_PER_FRIEND } from '../src/receiver.js';
import { RESEND_REFILL_BYTES_PER_S, resendAllowance } from '../src/sender.js';
import { cpuMs, FRIEND, InMemoryFiles } from './support/in-memory-files.js';

const MIB = 1024 * 1024;
const ROOT = 'ab'.repeat(32);
const id = (k: number) => k.toString(16).padStart(32, 'c');

function offer(files: InMemoryFiles, transfer: string, size: number, bs: number) {
  return files.receiver.onOffer(files.event('files.offer'), { id: transfer, name: 'x.bin', size, mime: 'application/octet-stream', root: ROOT, bs, ts: Date.now() });
}

describe('files: what a hostile friend can make this side pay', function () {
  this.timeout(120_000);

  describe('receiver CPU: blocks before the hash list', () => {
    const COUNT = 20_000;

    it(`${COUNT} empty chunks before the hash list of a 16 GiB offer cost well under a second (was 5.6 s, quadratic)`, async () => {
      const files = new InMemoryFiles();
      const transfer = id(1);
      await offer(files, transfer, MAX_FILE_BYTES, 16 * 1024);
      const chunk = files.event('files.chunk');
      const empty = new Uint8Array(0);
      const used = await cpuMs(async () => {
        for (let k = 0; k < COUNT; k++) await files.receiver.onChunk(chunk, { id: transfer, i: 2 * k }, empty);
      });
      console.log(`      ${COUNT} empty chunks: ${used.toFixed(0)} ms of CPU`);
      expect(used).to.be.lessThan(1000);
      // Still arriving, nothing kept.
      expect(files.book.json(files.book.get(transfer)!).state).to.equal('active');
    });

    it(`${COUNT} full-length chunks before the hash list, scattered: bounded too (was 6.2 s)`, async () => {
      const files = new InMemoryFiles();
      const transfer = id(2);
      await offer(files, transfer, MAX_FILE_BYTES, 16 * 1024);
      const chunk = files.event('files.chunk');
      const block = new Uint8Array(16 * 1024);
      const used = await cpuMs(async () => {
        for (let k = 0; k < COUNT; k++) await files.receiver.onChunk(chunk, { id: transfer, i: 2 * k }, block);
      });
      console.log(`      ${COUNT} scattered full chunks: ${used.toFixed(0)} ms of CPU`);
      expect(used).to.be.lessThan(1000);
    });

    it(`${COUNT} scattered hash-list pieces of one hash each cost well under a second (was 6.4 s, quadratic)`, async () => {
      const files = new InMemoryFiles();
      const transfer = id(3);
      await offer(files, transfer, MAX_FILE_BYTES, 16 * 1024);
      const hashes = files.event('files.hashes');
      const one = new Uint8Array(32);
      const used = await cpuMs(async () => {
        for (let k = 0; k < COUNT; k++) await files.receiver.onHashes(hashes, { id: transfer, from: 2 * k }, one);
      });
      console.log(`      ${COUNT} one-hash pieces: ${used.toFixed(0)} ms of CPU`);
      expect(used).to.be.lessThan(1000);
    });

    it(`block sets: ${COUNT} scattered single-block inserts in well under a second (was 5.6 s), same result as a plain model`, () => {
      const set = new BlockSet();
      const start = process.cpuUsage();
      for (let k = 0; k < COUNT; k++) set.add(((k * 7919) % COUNT) * 2);
      const u = process.cpuUsage(start);
      const used = (u.user + u.system) / 1000;
      console.log(`      ${COUNT} scattered inserts: ${used.toFixed(0)} ms of CPU`);
      expect(used).to.be.lessThan(1000);
      expect(set.rangeCount).to.equal(COUNT);

      // Random operations against a boolean array.
      let seed = 12345;
      const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
      const model = new Array<boolean>(300).fill(false);
      const checked = new BlockSet();
      for (let step = 0; step < 5000; step++) {
        const a = random(290);
        const b = a + 1 + random(12);
        const add = random(2) === 0;
        if (add) checked.addRange(a, b);
        else checked.removeRange(a, b);
        for (let x = a; x < b; x++) model[x] = add;
        const expected: [number, number][] = [];
        for (let x = 0; x < model.length; x++) {
          if (!model[x]) continue;
          const last = expected[expected.length - 1];
          if (last && last[1] === x) last[1] = x + 1;
          else expected.push([x, x + 1]);
        }
        expect(checked.toArray(), `step ${step}`).to.deep.equal(expected);
        const [p, q] = [random(300), random(300)].sort((x, y) => x - y) as [number, number];
        const inside: BlockRange[] = [];
        const outside: BlockRange[] = [];
        for (let x = p; x < q; x++) {
          const list = model[x] ? inside : outside;
          const last = list[list.length - 1] as [number, number] | undefined;
          if (last && last[1] === x) last[1] = x + 1;
          else list.push([x, x + 1]);
        }
        expect(checked.overlap(p, q)).to.deep.equal(inside);
        expect(checked.gapsIn(p, q)).to.deep.equal(outside);
      }
    });
  });

  describe('sender traffic: re-sends a receiver asks for are bounded per session', () => {
    const SIZE = 16 * MIB;
    const BS = 64 * 1024;
    const n = blockCount(SIZE, BS);

    it('10 urgent NACKs of the whole file send at most the re-send allowance again (was 10 × the file, 160 MiB)', async () => {
      const files = new InMemoryFiles();
      const record = await files.outgoing(SIZE, BS);
      const resume = files.event('files.resume');
      const nack = files.event('files.nack');
      const started = Date.now();
      await files.sender.onResume(resume, { id: record.id, have: [], hashes: true });
      await files.settle();
      expect(files.bytesOf('files.chunk')).to.equal(SIZE);
      const mark = files.sent.length;
      for (let k = 0; k < 10; k++) {
        await files.sender.onNack(nack, { id: record.id, ranges: [[0, n]], urgent: true });
        await files.settle();
      }
      const again = files.bytesOf('files.chunk', mark);
      const allowance = resendAllowance(SIZE, BS, Date.now() - started);
      console.log(`      10 urgent NACKs of [0, ${n}): ${(again / MIB).toFixed(2)} MiB sent again (allowance ${(allowance / MIB).toFixed(2)} MiB)`);
      expect(again).to.be.at.most(allowance);
      expect(again).to.be.at.most(SIZE + MAX_URGENT_BLOCKS * BS + 10 * RESEND_REFILL_BYTES_PER_S);
      // A real re-send still goes: a block that failed its hash, in a new session.
      files.sender.onSessionOpen(FRIEND);
      const before = files.sent.length;
      await files.sender.onNack(nack, { id: record.id, ranges: [[5, 6]], urgent: true });
      await files.settle();
      expect(files.sent.slice(before).filter((e) => e.kind === 'files.chunk').map((e) => e.header.i)).to.deep.equal([5]);
    });

    it('10 resumes asking for the hash list send it once (was 10 lists)', async () => {
      const files = new InMemoryFiles();
      const record = await files.outgoing(SIZE, BS);
      const resume = files.event('files.resume');
      for (let k = 0; k < 10; k++) {
        await files.sender.onResume(resume, { id: record.id, have: [[0, n]], hashes: true });
        await files.settle();
      }
      const list = n * 32;
      console.log(`      10 resumes with hashes: ${files.bytesOf('files.hashes')} bytes of hash list (one list: ${list})`);
      expect(files.bytesOf('files.hashes')).to.equal(list);
      expect(files.bytesOf('files.chunk')).to.equal(0);
      // A new session may ask for it again (a receiver that restarted before it had it).
      files.sender.onSessionOpen(FRIEND);
      await files.sender.onResume(resume, { id: record.id, have: [[0, n]], hashes: true });
      await files.settle();
      expect(files.bytesOf('files.hashes')).to.equal(2 * list);
    });

    it('5 hold-resume cycles asking for everything send at most the allowance again; a new session sends what is missing', async () => {
      const files = new InMemoryFiles();
      const record = await files.outgoing(SIZE, BS);
      const resume = files.event('files.resume');
      const hold = files.event('files.hold');
      const started = Date.now();
      await files.sender.onResume(resume, { id: record.id, have: [], hashes: false });
      await files.settle();
      const mark = files.sent.length;
      for (let k = 0; k < 5; k++) {
        await files.sender.onHold(hold, { id: record.id, reason: 'disk-full' });
        await files.sender.onResume(resume, { id: record.id, have: [], hashes: false });
        await files.settle();
      }
      const again = files.bytesOf('files.chunk', mark);
      console.log(`      5 hold-resume cycles: ${(again / MIB).toFixed(2)} MiB sent again (was 5 × 16 MiB)`);
      expect(again).to.be.at.most(resendAllowance(SIZE, BS, Date.now() - started));
      // A dropped session and a new one: the receiver's resume gets every block it lacks.
      files.sender.onSessionOpen(FRIEND);
      const fresh = files.sent.length;
      await files.sender.onResume(resume, { id: record.id, have: [[0, 10]], hashes: false });
      await files.settle();
      expect(files.bytesOf('files.chunk', fresh)).to.equal(SIZE - 10 * BS);
    });

    it('plain NACKs over a sent set of many pieces cost little CPU (was 18 s for 20)', async () => {
      const files = new InMemoryFiles();
      const bs = 16 * 1024;
      const size = 32768 * bs; // a virtual vault: zeros, never held
      const record = await files.outgoing(size, bs);
      const count = blockCount(size, bs);
      await files.sender.onResume(files.event('files.resume'), { id: record.id, have: [[0, count]], hashes: false });
      const nack = files.event('files.nack');
      // Urgent NACKs of every other block (first sends, not re-sends): the sent set becomes 8192 pieces.
      for (let k = 0; k < 8192; k += 64) {
        const ranges: BlockRange[] = Array.from({ length: 64 }, (_, j) => [2 * (k + j), 2 * (k + j) + 1]);
        await files.sender.onNack(nack, { id: record.id, ranges, urgent: true });
        await files.settle();
      }
      expect(files.countOf('files.chunk')).to.equal(8192);
      files.sessionOpen = false; // nothing more goes: only the NACKs' own cost is measured
      const used = await cpuMs(async () => {
        for (let k = 0; k < 20; k++) await files.sender.onNack(nack, { id: record.id, ranges: [[0, 16384]], urgent: false });
      });
      console.log(`      20 plain NACKs over 8192 pieces: ${used.toFixed(0)} ms of CPU`);
      expect(used).to.be.lessThan(500);
    });
  });

  describe('receiver records: refused and ended offers', () => {
    it('2,000 offers over the size limit are refused with nothing stored (was 2,000 records)', async () => {
      const files = new InMemoryFiles();
      for (let k = 0; k < 2000; k++) await offer(files, id(1000 + k), Number.MAX_SAFE_INTEGER, 64 * 1024);
      expect(files.store.rows.size).to.equal(0);
      expect(files.book.records.size).to.equal(0);
      const cancels = files.sent.filter((e) => e.kind === 'files.cancel');
      expect(cancels).to.have.length(2000);
      expect(cancels.every((e) => e.header.reason === 'too-large')).to.equal(true);
    });

    it(`300 offers the sender cancels leave at most ${MAX_ENDED_PER_FRIEND} ended records, the newest (was 300)`, async () => {
      const files = new InMemoryFiles();
      const cancel = files.event('files.cancel');
      for (let k = 0; k < 300; k++) {
        await offer(files, id(5000 + k), 100_000, 64 * 1024);
        await files.receiver.onCancel(cancel, { id: id(5000 + k), reason: 'cancelled' });
      }
      console.log(`      300 offer-cancel cycles: ${files.store.rows.size} records stored`);
      expect(files.store.rows.size).to.be.at.most(MAX_ENDED_PER_FRIEND);
      expect(files.book.records.size).to.equal(files.store.rows.size);
      expect(files.book.get(id(5299))?.state).to.equal('cancelled');
      // Nothing arriving is left behind: a new file from the friend still starts.
      await offer(files, id(9999), 100_000, 64 * 1024);
      expect(files.book.get(id(9999))?.state).to.equal('active');
    });
  });
});
