import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'chai';
import { CHUNK_BYTES, HEADER_BYTES, slotBytes, slotOffset } from '../../src/blobs/blob-format.js';
import { personaBlobsDir, removePersonaBlobs } from '../../src/blobs/blobs-provider.js';
import { codeOf, collect, pattern, testBlobs, type TestBlobs } from './blob-support.js';

const C = CHUNK_BYTES;

describe('blobs: sealed blob store', () => {
  let t: TestBlobs;
  beforeEach(() => {
    t = testBlobs();
  });
  afterEach(() => t.cleanup());

  for (const size of [0, 1, C - 1, C, C + 1, 5 * 1024 * 1024]) {
    it(`round-trips ${size} bytes, also after reopening`, async () => {
      const data = randomBytes(size);
      const id = await t.blobs.create();
      expect(id).to.match(/^[0-9a-f]{32}$/);
      expect(await t.blobs.append(id, data)).to.equal(size);
      expect(await t.blobs.size(id)).to.equal(size);
      expect(Buffer.from(await t.blobs.read(id)).equals(data)).to.equal(true);
      const again = t.reopen();
      expect(await again.size(id)).to.equal(size);
      expect(Buffer.from(await again.read(id)).equals(data)).to.equal(true);
      expect((await collect(again.readStream(id))).equals(data)).to.equal(true);
    });
  }

  it('appends in uneven pieces over several calls and a reopen, rewriting the partial last chunk', async () => {
    const id = await t.blobs.create();
    let size = 0;
    async function* pieces(lengths: number[]) {
      for (const n of lengths) {
        yield pattern(size, n);
        size += n;
      }
    }
    await t.blobs.append(id, pieces([7, C - 3, 5, 3 * C + 11]));
    await t.blobs.append(id, pieces([1]));
    t.reopen();
    await t.blobs.append(id, pieces([C, 2 * C - 1, 123]));
    expect(await t.blobs.size(id)).to.equal(size);
    expect(Buffer.from(await t.blobs.read(id)).equals(pattern(0, size))).to.equal(true);
  });

  it('answers random ranges (read and readStream) with the plaintext', async () => {
    const size = 3 * 1024 * 1024 + 777;
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, size));
    for (let i = 0; i < 60; i++) {
      const offset = randomInt(size + 1);
      const length = randomInt(Math.min(size - offset, 2 * 1024 * 1024) + 1);
      expect(Buffer.from(await t.blobs.read(id, { offset, length })).equals(pattern(offset, length)), `${offset}+${length}`).to.equal(true);
      if (i % 6 === 0) expect((await collect(t.blobs.readStream(id, { offset, length }))).equals(pattern(offset, length))).to.equal(true);
    }
    expect(Buffer.from(await t.blobs.read(id, { offset: size - 5 })).equals(pattern(size - 5, 5))).to.equal(true);
    expect((await t.blobs.read(id, { offset: size, length: 0 })).length).to.equal(0);
    for (const piece of await Promise.all([collect(t.blobs.readStream(id))])) expect(piece.length).to.equal(size);
  });

  it('refuses a read past the end, a bad range, a bad id and an unknown blob', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 100));
    expect(await codeOf(t.blobs.read(id, { offset: 90, length: 11 }))).to.equal('KITH_ERR_RANGE');
    expect(await codeOf(t.blobs.read(id, { offset: 101 }))).to.equal('KITH_ERR_RANGE');
    expect(await codeOf(collect(t.blobs.readStream(id, { offset: 0, length: 101 })))).to.equal('KITH_ERR_RANGE');
    expect(await codeOf(t.blobs.read(id, { offset: -1 }))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(t.blobs.read(id, { offset: 0, length: 1.5 }))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(t.blobs.read('../../etc/passwd'))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(t.blobs.append(id, 'text' as unknown as Uint8Array))).to.equal('KITH_ERR_BAD_REQUEST');
    expect(await codeOf(t.blobs.size('0'.repeat(32)))).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    expect(await codeOf(t.blobs.delete('0'.repeat(32)))).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    expect(await t.blobs.size(id)).to.equal(100);
  });

  it('hands out bytes in buffers of their own, never views of a shared pool', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, C + 100));
    for (const range of [{ offset: 3, length: 10 }, { offset: C + 1, length: 20 }, { offset: C - 5, length: 50 }]) {
      const bytes = await t.blobs.read(id, range);
      expect([bytes.byteOffset, bytes.buffer.byteLength]).to.deep.equal([0, range.length]);
      for await (const piece of t.blobs.readStream(id, range)) expect([piece.byteOffset, piece.buffer.byteLength]).to.deep.equal([0, piece.length]);
    }
  });

  it('lists, counts usage and deletes', async () => {
    const a = await t.blobs.create();
    const b = await t.blobs.create();
    await t.blobs.append(a, pattern(0, 1000));
    await t.blobs.append(b, pattern(0, C + 1));
    expect(await t.blobs.list()).to.deep.equal([{ id: a, size: 1000 }, { id: b, size: C + 1 }].sort((x, y) => (x.id < y.id ? -1 : 1)));
    expect(await t.blobs.usage()).to.deep.equal({ bytes: 1000 + C + 1, quotaBytes: 2 ** 30, blobs: 2 });
    await t.blobs.delete(a);
    expect(await codeOf(t.blobs.read(a))).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    expect(fs.readdirSync(t.dir).sort()).to.deep.equal([b, `${b}.commit`].sort());
    expect((await t.reopen().usage()).bytes).to.equal(C + 1);
  });

  it('refuses an append past the quota and writes nothing of it', async () => {
    t.reopen(200_000);
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 150_000));
    const before = fs.readdirSync(t.dir).map((name) => [name, fs.readFileSync(path.join(t.dir, name))] as const);
    expect(await codeOf(t.blobs.append(id, pattern(150_000, 50_001)))).to.equal('KITH_ERR_QUOTA');
    expect(await codeOf(t.blobs.append(id, [pattern(150_000, 30_000), pattern(180_000, 30_000)]))).to.equal('KITH_ERR_QUOTA');
    for (const [name, bytes] of before) expect(fs.readFileSync(path.join(t.dir, name)).equals(bytes), name).to.equal(true);
    expect(await t.blobs.size(id)).to.equal(150_000);
    expect((await t.blobs.usage()).bytes).to.equal(150_000);
    expect(await t.blobs.append(id, pattern(150_000, 50_000))).to.equal(200_000);
    expect(Buffer.from(await t.blobs.read(id)).equals(pattern(0, 200_000))).to.equal(true);
  });

  it('answers KITH_ERR_BLOB_CORRUPT for a flipped byte, and still reads the chunks around it', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 3 * C + 10));
    const file = path.join(t.dir, id);
    const bytes = fs.readFileSync(file);
    bytes[slotOffset(C, 1) + 100]! ^= 0x01;
    fs.writeFileSync(file, bytes);
    expect(await codeOf(t.blobs.read(id, { offset: C, length: 10 }))).to.equal('KITH_ERR_BLOB_CORRUPT');
    expect(Buffer.from(await t.blobs.read(id, { offset: 0, length: C })).equals(pattern(0, C))).to.equal(true);
    expect(Buffer.from(await t.blobs.read(id, { offset: 2 * C, length: C + 10 })).equals(pattern(2 * C, C + 10))).to.equal(true);

    const record = path.join(t.dir, `${id}.commit`);
    const sealed = fs.readFileSync(record);
    sealed[sealed.length - 1]! ^= 0x80;
    fs.writeFileSync(record, sealed);
    expect(await codeOf(t.reopen().size(id))).to.equal('KITH_ERR_BLOB_CORRUPT');
    await t.blobs.delete(id);
    expect(await t.blobs.list()).to.deep.equal([]);
  });

  it('answers KITH_ERR_BLOB_CORRUPT for a chunk moved to another blob or another index', async () => {
    const a = await t.blobs.create();
    const b = await t.blobs.create();
    await t.blobs.append(a, pattern(0, 2 * C));
    await t.blobs.append(b, pattern(7, 2 * C));
    const slot = slotBytes(C);
    const fileA = path.join(t.dir, a);
    const fileB = path.join(t.dir, b);
    const bytesA = fs.readFileSync(fileA);
    const bytesB = fs.readFileSync(fileB);
    bytesB.copy(bytesA, slotOffset(C, 0), slotOffset(C, 0), slotOffset(C, 0) + slot);
    fs.writeFileSync(fileA, bytesA);
    expect(await codeOf(t.blobs.read(a, { offset: 0, length: 1 }))).to.equal('KITH_ERR_BLOB_CORRUPT');
    const swapped = Buffer.from(bytesB);
    bytesB.copy(swapped, slotOffset(C, 0), slotOffset(C, 1), slotOffset(C, 1) + slot);
    bytesB.copy(swapped, slotOffset(C, 1), slotOffset(C, 0), slotOffset(C, 0) + slot);
    fs.writeFileSync(fileB, swapped);
    expect(await codeOf(t.blobs.read(b, { offset: 0, length: 1 }))).to.equal('KITH_ERR_BLOB_CORRUPT');
    expect(await codeOf(t.blobs.read(b, { offset: C, length: 1 }))).to.equal('KITH_ERR_BLOB_CORRUPT');
    fs.copyFileSync(path.join(t.dir, `${a}.commit`), path.join(t.dir, `${b}.commit`));
    expect(await codeOf(t.reopen().size(b))).to.equal('KITH_ERR_BLOB_CORRUPT');
  });

  it('puts no plaintext on disk', async () => {
    const marker = Buffer.from('KITH-PLAINTEXT-MARKER-0123456789');
    const text = Buffer.concat(Array.from({ length: 5000 }, () => marker));
    const id = await t.blobs.create();
    await t.blobs.append(id, text);
    await t.blobs.append(id, marker);
    for (const name of fs.readdirSync(t.dir)) {
      const bytes = fs.readFileSync(path.join(t.dir, name));
      expect(bytes.includes(marker.subarray(0, 12)), name).to.equal(false);
    }
    expect(fs.statSync(path.join(t.dir, id)).size).to.equal(HEADER_BYTES + Math.floor(text.length / C) * slotBytes(C));
  });

  it('keeps folders 0700 and files 0600', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, C + 5));
    expect(fs.statSync(t.dir).mode & 0o777).to.equal(0o700);
    expect(fs.statSync(path.dirname(t.dir)).mode & 0o777).to.equal(0o700);
    for (const name of fs.readdirSync(t.dir)) expect(fs.statSync(path.join(t.dir, name)).mode & 0o777, name).to.equal(0o600);
  });

  it('cuts off slots a crash left past the commit record', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 2 * C + 9));
    const file = path.join(t.dir, id);
    fs.appendFileSync(file, randomBytes(slotBytes(C) + 100));
    const again = t.reopen();
    expect(await again.size(id)).to.equal(2 * C + 9);
    expect(fs.statSync(file).size).to.equal(slotOffset(C, 2));
    await again.append(id, pattern(2 * C + 9, C));
    expect(Buffer.from(await again.read(id)).equals(pattern(0, 3 * C + 9))).to.equal(true);
  });

  it('runs two appends to one blob one after the other', async () => {
    const id = await t.blobs.create();
    const a = Buffer.alloc(3 * C + 5, 0xaa);
    const b = Buffer.alloc(C + 7, 0xbb);
    const sizes = await Promise.all([t.blobs.append(id, a), t.blobs.append(id, b)]);
    expect(Math.max(...sizes)).to.equal(a.length + b.length);
    const all = Buffer.from(await t.blobs.read(id));
    expect(all.equals(Buffer.concat([a, b])) || all.equals(Buffer.concat([b, a]))).to.equal(true);
  });

  it('answers KITH_ERR_BLOB_NOT_FOUND to an append waiting behind a delete, and stops a streaming append it deletes', async () => {
    const id = await t.blobs.create();
    async function* slow() {
      for (let i = 0; i < 1000; i++) {
        yield pattern(i * 1000, 1000);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    const running = codeOf(t.blobs.append(id, slow()));
    const deleted = t.blobs.delete(id);
    const queued = codeOf(t.blobs.append(id, pattern(0, 10)));
    expect(await running).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    await deleted;
    expect(await queued).to.equal('KITH_ERR_BLOB_NOT_FOUND');
    expect(fs.readdirSync(t.dir)).to.deep.equal([]);
    expect((await t.blobs.usage()).bytes).to.equal(0);
  });

  it('removes a persona\'s blobs with the persona', async () => {
    const dataDir = path.join(t.root, 'data');
    const slugDir = personaBlobsDir(dataDir, 'alice');
    const alice = testBlobs({ root: path.dirname(slugDir), extensionId: 'files' });
    const id = await alice.blobs.create();
    await alice.blobs.append(id, pattern(0, 10));
    expect(fs.existsSync(path.join(slugDir, 'files', id))).to.equal(true);
    alice.blobs.close();
    removePersonaBlobs(dataDir, 'alice');
    expect(fs.existsSync(slugDir)).to.equal(false);
    expect(fs.existsSync(path.dirname(slugDir))).to.equal(true);
  });

  it('fails every call once closed (lock, switch) and stops a running append at its last commit', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 10));
    const blobs = t.blobs;
    let yielded = 0;
    async function* slow() {
      for (;;) {
        yield pattern(10 + yielded * 1000, 1000);
        yielded++;
        if (yielded === 3) blobs.close();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    expect(await codeOf(blobs.append(id, slow()))).to.equal('KITH_ERR_LOCKED');
    for (const call of [blobs.create(), blobs.size(id), blobs.read(id), blobs.list(), blobs.usage(), blobs.delete(id), collect(blobs.readStream(id))]) {
      expect(await codeOf(call)).to.equal('KITH_ERR_LOCKED');
    }
    expect(await t.reopen().size(id)).to.equal(10);
  });
});
