/**
 * A received file whose sealed bytes were changed on disk after it arrived (a failing disk, a
 * stray write): a read that meets the damage is refused (a Range on it: 422) or cut (a whole read
 * already under way), the blob is left as it is, and the row says why, instead of still looking whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { TestHost } from '@kith/sdk/testing';
import { download, randomFile, sendFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

const MIB = 1024 * 1024;

describe('files: a received file damaged on disk', function () {
  this.timeout(180_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('is cut where the damage is, left as it is, and its row says so', async () => {
    const file = randomFile(6 * MIB);
    const id = (await sendFile(alice, bob.persona!.key, file, 'to-be-damaged.bin')).transfer_id as string;
    await waitState(bob, id, 'complete');
    await bob.stop();
    // The largest blob of Bob's files is the received file's run; flip one byte in its middle.
    const dir = path.join(bob.dataDir, 'identities', bob.persona!.slug, 'blobs', 'files');
    const blob = fs.readdirSync(dir).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    const bytes = fs.readFileSync(blob);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    fs.writeFileSync(blob, bytes);
    await bob.restart();

    expect((await transferOn(bob, id)).error).to.equal(null);
    const whole = await download(bob, id).catch(() => undefined);
    expect(whole === undefined || whole.bytes.length < file.length, 'the whole read is cut short').to.equal(true);
    const row = await transferOn(bob, id);
    expect(row.state).to.equal('complete');
    expect(row.error).to.match(/damaged on disk/);
    // A Range that starts in the damaged sealed chunk is refused before any byte goes.
    const statuses: number[] = [];
    for (let start = 2.5 * MIB; start < 3.5 * MIB; start += 64 * 1024) statuses.push((await download(bob, id, `bytes=${start}-${start + 99}`)).status);
    expect(statuses).to.include(422);
    expect(statuses.filter((s) => s !== 206 && s !== 422)).to.deep.equal([]);
    expect(fs.readFileSync(blob).equals(bytes), 'the damaged blob is left as it is').to.equal(true);
  });
});
