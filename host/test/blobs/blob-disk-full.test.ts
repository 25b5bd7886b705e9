import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { slotOffset, CHUNK_BYTES } from '../../src/blobs/blob-format.js';
import { needs } from '../../../test/support/needs.js';
import { codeOf, pattern, testBlobs, type TestBlobs } from './blob-support.js';

describe('blobs: a full disk (a 2 MiB tmpfs as the store folder)', () => {
  needs('tmpfs');
  let mount: string;
  let t: TestBlobs;

  beforeEach(() => {
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-blobs-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mount]);
    t = testBlobs({ root: mount });
  });
  afterEach(() => {
    t.cleanup();
    execFileSync('umount', [mount]);
    fs.rmSync(mount, { recursive: true, force: true });
  });

  it('stops a streaming append at its last commit with KITH_ERR_DISK_FULL, leaving nothing torn and no temp files', async () => {
    const id = await t.blobs.create();
    await t.blobs.append(id, pattern(0, 300_000));
    async function* pieces() {
      for (let at = 300_000; ; at += 100_000) yield pattern(at, 100_000);
    }
    expect(await codeOf(t.blobs.append(id, pieces()))).to.equal('KITH_ERR_DISK_FULL');
    expect(await t.blobs.size(id)).to.equal(300_000);
    expect(fs.statSync(path.join(t.dir, id)).size).to.equal(slotOffset(CHUNK_BYTES, Math.floor(300_000 / CHUNK_BYTES)));
    expect(fs.readdirSync(t.dir).sort()).to.deep.equal([id, `${id}.commit`].sort());
    expect(Buffer.from(await t.blobs.read(id)).equals(pattern(0, 300_000))).to.equal(true);
    expect((await t.blobs.usage()).bytes).to.equal(300_000);

    // A new blob on the full disk fails cleanly too; after a delete there is room again.
    const fill = await t.blobs.create().catch(() => undefined);
    if (fill) expect(await codeOf(t.blobs.append(fill, pattern(0, 4 * 1024 * 1024)))).to.equal('KITH_ERR_DISK_FULL');
    const reopened = t.reopen();
    expect(await reopened.size(id)).to.equal(300_000);
    await reopened.delete(id);
    const again = await reopened.create();
    expect(await reopened.append(again, pattern(0, 1_000_000))).to.equal(1_000_000);
  });
});
