import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { CHUNK_BYTES } from '../../src/blobs/blob-format.js';
import { COMMIT_EVERY_BYTES } from '../../src/blobs/blob-limits.js';
import { pattern, testBlobs, type TestBlobs } from './blob-support.js';

const here = path.dirname(new URL(import.meta.url).pathname);

describe('blobs: kill -9 during a long append', () => {
  let t: TestBlobs;
  beforeEach(() => {
    t = testBlobs();
  });
  afterEach(() => t.cleanup());

  it('reopens at the last commit: whole chunks that all read back, and the append resumes', async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'append-forever.ts'), t.dir, Buffer.from(t.key).toString('hex')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const id = line.toString().trim();
    expect(id).to.match(/^[0-9a-f]{32}$/);
    const file = path.join(t.dir, id);
    // Past two commits, then at an arbitrary moment inside the third.
    const deadline = Date.now() + 45_000;
    while (fs.statSync(file).size < 2.5 * COMMIT_EVERY_BYTES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
    child.kill('SIGKILL');
    await once(child, 'exit');

    const blobs = t.reopen();
    const size = await blobs.size(id);
    expect(size).to.be.at.least(2 * COMMIT_EVERY_BYTES);
    expect(size % CHUNK_BYTES).to.equal(0);
    let at = 0;
    for await (const piece of blobs.readStream(id)) {
      expect(Buffer.from(piece).equals(pattern(at, piece.length)), `bytes at ${at}`).to.equal(true);
      at += piece.length;
    }
    expect(at).to.equal(size);
    expect(fs.readdirSync(t.dir).filter((name) => name.includes('.tmp-'))).to.deep.equal([]);
    expect(await blobs.append(id, pattern(size, 1000))).to.equal(size + 1000);
    expect(Buffer.from(await blobs.read(id, { offset: size - 10, length: 1010 })).equals(pattern(size - 10, 1010))).to.equal(true);
  });
});
