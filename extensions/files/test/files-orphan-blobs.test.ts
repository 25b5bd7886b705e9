/**
 * A blob is created before the row that names it is saved, so a kill -9, a crash or a lock in
 * between leaves a blob nothing names, counted against the quota for good. Files deletes such
 * blobs when it starts, and only those: a real host whose files entry leaves one behind, then a
 * restart; the file saved beside it stays whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import { blobCount, download } from './support/files-net.js';

const ORPHAN_MAKER = fileURLToPath(new URL('./support/orphan-blob-files.ts', import.meta.url));

describe('files: blobs no transfer names are deleted at start', function () {
  this.timeout(120_000);
  let host: TestHost | undefined;
  const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kith-orphan-')), 'leave-one');

  after(async () => {
    await host?.close();
    fs.rmSync(path.dirname(flag), { recursive: true, force: true });
  });

  it('deletes the blob a crash left behind, and keeps every blob a transfer names', async () => {
    fs.writeFileSync(flag, '');
    host = await startTestHost({ name: 'Olga', builtinEntries: { files: ORPHAN_MAKER }, env: { KITH_TEST_ORPHAN_FLAG: flag } });
    await host.createPersona('Olga');
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    const saved = await host.call('POST', '/self/files', { name: 'kept.bin', data_base64: Buffer.from(bytes).toString('base64') });
    expect(saved.status).to.equal(201);
    expect(fs.existsSync(flag), 'the orphan was made').to.equal(false);
    const before = blobCount(host);
    expect(before, 'the orphan beside the file\'s copy and hash list').to.equal(3);

    await host.restart();
    expect(blobCount(host)).to.equal(before - 1);
    const back = await download(host, saved.body.transfer_id);
    expect(back.status).to.equal(200);
    expect(Buffer.from(back.bytes).equals(Buffer.from(bytes))).to.equal(true);
  });
});
