/** The pure parts: block sets, the streaming hasher against an independent root, names, serving headers, error catalogue. */
import { expect } from 'chai';
import manifest from '../package.json' with { type: 'json' };
import { BlockSet } from '../src/block-ranges.js';
import { chooseBlockHasher, HASH_BYTES, hashBlockOffThread, INLINE_HASH_MIN_BYTES_PER_MS, measureSha256, StreamingBlockHasher, toHex } from '../src/block-hashes.js';
import { readBlocks } from '../src/block-reader.js';
import { FILES_ERROR_DECLARATIONS } from '../src/files-errors.js';
import { sanitizeMime, sanitizeName, servingHeaders } from '../src/safe-names.js';
import { BS, expectedRoot, randomFile } from './support/files-net.js';

describe('files: pure parts', () => {
  it('block sets add, remove, and give the missing complement', () => {
    const have = BlockSet.of([[0, 10], [12, 20]]);
    have.add(10);
    expect(have.toArray()).to.deep.equal([[0, 11], [12, 20]]);
    have.add(11);
    expect(have.toArray()).to.deep.equal([[0, 20]]);
    have.removeRange(5, 7);
    expect(have.toArray()).to.deep.equal([[0, 5], [7, 20]]);
    expect(BlockSet.missing(25, have).toArray()).to.deep.equal([[5, 7], [20, 25]]);
    expect(have.has(6)).to.equal(false);
    expect(have.has(7)).to.equal(true);
    expect(have.nextFrom(5)).to.equal(7);
    expect(have.nextFrom(30)).to.equal(0);
    expect(have.runFrom(8, 4)).to.deep.equal([8, 12]);
    expect(have.size).to.equal(18);
  });

  it('a block hashed inline or on the thread pool (what the receiver checks with) has the sender\'s hash', async () => {
    const file = randomFile(BS * 2 + 5);
    const sender = new StreamingBlockHasher(BS);
    sender.update(file);
    const { hashes } = sender.finish();
    const blocks = [file.subarray(0, BS), file.subarray(BS, 2 * BS), file.subarray(2 * BS)];
    const hashers = { 'thread pool': chooseBlockHasher(0), inline: chooseBlockHasher(Number.POSITIVE_INFINITY) };
    for (const [where, hash] of Object.entries(hashers)) {
      for (const [i, block] of blocks.entries()) {
        expect(toHex(await hash(block)), `${where}, block ${i}`).to.equal(toHex(hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES)));
      }
      expect(toHex(await hash(new Uint8Array(0))), where).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    }
  });

  it('blocks are hashed inline only on a CPU that hashes faster than the thread pool hop costs', () => {
    expect(chooseBlockHasher(INLINE_HASH_MIN_BYTES_PER_MS / 4)).to.equal(hashBlockOffThread);
    expect(chooseBlockHasher(INLINE_HASH_MIN_BYTES_PER_MS)).to.not.equal(hashBlockOffThread);
    const rate = measureSha256();
    expect(rate).to.be.greaterThan(0).and.lessThan(Number.POSITIVE_INFINITY);
  });

  it('the streaming hasher gives the root of docs/wire/files.md whatever the piece sizes', () => {
    const bytes = randomFile(5 * BS + 1234);
    for (const piece of [1, 1000, BS, BS + 7, 3 * BS]) {
      const hasher = new StreamingBlockHasher(BS);
      for (let at = 0; at < bytes.length; at += piece) hasher.update(bytes.subarray(at, at + piece));
      expect(toHex(hasher.finish().root), `pieces of ${piece}`).to.equal(expectedRoot(bytes));
    }
    expect(toHex(new StreamingBlockHasher(BS).finish().root)).to.equal(expectedRoot(new Uint8Array(0)));
  });

  it('a vault stream becomes its blocks whatever the piece sizes, and one that ends early is an error', async () => {
    const bytes = randomFile(5 * BS + 1234);
    const streamOf = async function* (from: number, to: number, piece: number) {
      for (let at = from; at < to; at += piece) yield bytes.subarray(at, Math.min(to, at + piece));
    };
    for (const piece of [1000, BS, BS + 7, 3 * BS, 1 << 20]) {
      const blocks = [];
      for await (const block of readBlocks(streamOf(2 * BS, bytes.length, piece), bytes.length, BS, 2, 6)) blocks.push(block);
      expect(blocks.map((b) => b.i)).to.deep.equal([2, 3, 4, 5]);
      expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(Buffer.from(bytes.subarray(2 * BS)))).to.equal(true, `pieces of ${piece}`);
    }
    const short = readBlocks(streamOf(0, 2 * BS, BS), bytes.length, BS, 0, 3);
    const seen: number[] = [];
    let failure: Error | undefined;
    try {
      for await (const block of short) seen.push(block.i);
    } catch (error) {
      failure = error as Error;
    }
    expect(seen).to.deep.equal([0, 1]);
    expect(failure?.message).to.match(/ended at block 2 of 3/);
  });

  it('names lose folders, controls, bidi overrides and leading dots; long names keep their extension', () => {
    expect(sanitizeName('../../etc/passwd')).to.equal('_.._etc_passwd');
    expect(sanitizeName('C:\\Windows\\x.exe')).to.equal('C__Windows_x.exe');
    expect(sanitizeName('invoice\u202efdp.exe')).to.equal('invoicefdp.exe');
    expect(sanitizeName('a\u0000b\nc\r.txt')).to.equal('abc.txt');
    expect(sanitizeName('...')).to.equal('file');
    const long = sanitizeName(`${'x'.repeat(400)}.webm`);
    expect(long).to.have.length(255);
    expect(long.endsWith('.webm')).to.equal(true);
  });

  it('names are cut between characters and hold no half of a surrogate pair; serving such a name never throws', () => {
    // 'ab' + 200 emoji: the cut at 255 code units fell inside a pair, and encodeURIComponent threw
    // URIError when the file was served, which faulted the extension (attack round 27).
    const cut = sanitizeName(`ab${'😀'.repeat(200)}.png`);
    expect(cut).not.to.match(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(cut).to.have.length.at.most(255).and.match(/😀\.png$/);
    expect(sanitizeName('a\ud83d.txt')).to.equal('a\ufffd.txt');
    expect(sanitizeName('\ude00b')).to.equal('\ufffdb');
    expect(() => servingHeaders(`ab${'😀'.repeat(126)}\ud83d`, 'image/png')).not.to.throw();
    expect(servingHeaders('x\ud83d', 'image/png').disposition).to.contain(`filename*=UTF-8''x%EF%BF%BD`);
  });

  it('types: malformed ones become octet-stream; only passive media is served inline', () => {
    expect(sanitizeMime('Video/WebM; codecs=vp9')).to.equal('video/webm');
    expect(sanitizeMime('text/html<script>')).to.equal('application/octet-stream');
    expect(sanitizeMime(42)).to.equal('application/octet-stream');
    for (const risky of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/javascript', 'application/xml']) {
      const h = servingHeaders('x', risky);
      expect(h.contentType, risky).to.equal('application/octet-stream');
      expect(h.disposition, risky).to.match(/^attachment;/);
    }
    expect(servingHeaders('clip.webm', 'video/webm')).to.deep.include({ contentType: 'video/webm' });
    expect(servingHeaders('é"x.png', 'image/png').disposition).to.equal(`inline; filename="__x.png"; filename*=UTF-8''%C3%A9%22x.png`);
  });

  it('the error catalogue in code is the manifest\'s', () => {
    expect(FILES_ERROR_DECLARATIONS).to.deep.equal(manifest.kith.errors);
  });
});
