/**
 * Bad input against a real receiver, and cleaning up: hostile offers (absurd size, a path and
 * control characters in the name, a scripted type, a root that lies), the declared size limit,
 * cancel from either side (both sides drop their blobs), Range reads while a file is partial,
 * and a canary: no plaintext byte or name of a file is on either disk, during or after.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { eventually, type TestHost } from '@kith/sdk/testing';
import { MAX_OPEN_UPLOADS } from '../src/uploads.js';
import { blobCount, download, expectedRoot, filesUnder, randomFile, sendFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

/** Alice runs the real files code with its offers rewritten on the way out (support/hostile-offers.ts). */
const HOSTILE_SENDER = fileURLToPath(new URL('./support/hostile-offer-sender.ts', import.meta.url));

describe('files: hostile offers, limits, cancel on both sides, partial Range reads, no plaintext on disk', function () {
  this.timeout(300_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    pair = await startFilesPair({ aliceFiles: HOSTILE_SENDER });
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('refuses an upload over the declared limit before a byte is read, with a clear error', async () => {
    const answer = await alice.call('POST', `/sessions/${bob.persona!.key}/files/begin`, { name: 'a.iso', size: 17 * 1024 ** 3 });
    expect(answer.status).to.equal(413);
    expect(answer.body.error.code).to.equal('KITH_EXT_FILES_TOO_LARGE');
    expect(answer.body.error.message).to.match(/limit is 17179869184 bytes/);
  });

  it(`refuses a begin past ${MAX_OPEN_UPLOADS} open uploads, with a clear error, until one ends`, async () => {
    const toAlice = alice.persona!.key;
    const begin = (i: number) => bob.call('POST', `/sessions/${toAlice}/files/begin`, { name: `open-${i}.bin`, size: 1000 });
    const open: string[] = [];
    for (let i = 0; i < MAX_OPEN_UPLOADS; i++) {
      const answer = await begin(i);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
      open.push(answer.body.transfer_id);
    }
    const refused = await begin(MAX_OPEN_UPLOADS);
    expect(refused.status).to.equal(429);
    expect(refused.body.error.code).to.equal('KITH_ERR_RATE_LIMITED');
    expect(refused.body.error.message).to.match(/256 files are being uploaded already/);
    // One that ends (here: cancelled) makes room for one more.
    expect((await bob.call('POST', `/sessions/${toAlice}/files/${open.pop()}/cancel`)).status).to.equal(200);
    const again = await begin(MAX_OPEN_UPLOADS + 1);
    expect(again.status).to.equal(201);
    open.push(again.body.transfer_id);
    for (const id of open) expect((await bob.call('POST', `/sessions/${toAlice}/files/${id}/cancel`)).status).to.equal(200);
    expect((await begin(0)).status).to.equal(201);
  });

  it('an offer of an absurd size is refused up front, and the receiver stores nothing of it', async () => {
    const sent = await sendFile(alice, bob.persona!.key, randomFile(1000), 'huge.bin');
    const mine = await waitState(alice, sent.transfer_id, 'cancelled');
    expect(mine.error).to.match(/size limit/);
    expect(mine.available).to.equal(false);
    // A flood of refused offers must not fill the receiver's disk: no record (files-hostile-costs.test.ts counts 2,000).
    expect((await bob.call('GET', `/files/${sent.transfer_id}`)).status).to.equal(404);
    expect((await bob.request('GET', '/files/transfers')).transfers.some((t: { transfer_id: string }) => t.transfer_id === sent.transfer_id)).to.equal(false);
  });

  it('a name with a path, controls and bidi overrides is cleaned; a scripted type is served as an opaque download', async () => {
    const bytes = new TextEncoder().encode('<script>alert(1)</script>');
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'evil.html');
    const got = await waitState(bob, sent.transfer_id, 'complete');
    expect(got.name).to.not.match(/[\/\\\u0000-\u001f\u202e]/);
    expect(got.name).to.equal('_.._etc_passwd_script_.html');
    expect(got.mime).to.equal('text/html');
    const served = await download(bob, sent.transfer_id);
    expect(served.headers.get('content-type')).to.equal('application/octet-stream');
    expect(served.headers.get('content-disposition')).to.match(/^attachment; filename="/);
    const asHtml = await bob.fetch(`/api/files/inbound/${sent.transfer_id}/stream?mime=text/html`);
    expect(asHtml.headers.get('content-type')).to.equal('application/octet-stream');
  });

  it('a hash list that does not give the offered root fails the transfer and the sender hears it', async () => {
    const sent = await sendFile(alice, bob.persona!.key, randomFile(300_000), 'liar.bin');
    const failed = await waitState(bob, sent.transfer_id, 'failed');
    expect(failed.error).to.match(/does not match the offered root/);
    await waitState(alice, sent.transfer_id, 'cancelled');
  });

  it('serves the arrived part of a partial file by Range, and a range not here yet as soon as it is fetched first', async () => {
    const size = 48 * 1024 * 1024;
    const bytes = randomFile(size);
    const sent = await sendFile(alice, bob.persona!.key, bytes, 'movie.webm', 'video/webm');
    const id = sent.transfer_id as string;
    await eventually('2 MiB at Bob', async () => (await transferOn(bob, id))?.bytes_done >= 2 * 1024 * 1024, 60_000, 20);
    // The reference's body is {paused}: without it nothing changes.
    for (const body of [{}, { paused: 'yes' }]) {
      const refused = await alice.call('POST', `/sessions/${bob.persona!.key}/files/${id}/pause`, body);
      expect(refused.status, JSON.stringify(body)).to.equal(400);
    }
    expect((await transferOn(alice, id)).paused).to.equal(false);
    await alice.request('POST', `/sessions/${bob.persona!.key}/files/${id}/pause`, { paused: true });
    const head = await download(bob, id, 'bytes=1000-1048575');
    expect(head.status).to.equal(206);
    expect(Buffer.compare(Buffer.from(head.bytes), Buffer.from(bytes.subarray(1000, 1048576)))).to.equal(0);
    expect((await transferOn(bob, id)).state).to.equal('active');
    // A seek far ahead: the request waits, the sender resumes, and those bytes come first.
    const far = download(bob, id, `bytes=${size - 300_000}-${size - 1}`);
    await alice.request('POST', `/sessions/${bob.persona!.key}/files/${id}/pause`, { paused: false });
    const tail = await far;
    const when = await transferOn(bob, id);
    expect(tail.status).to.equal(206);
    expect(Buffer.compare(Buffer.from(tail.bytes), Buffer.from(bytes.subarray(size - 300_000)))).to.equal(0);
    expect(when.bytes_done, 'the seek was served before the file was complete').to.be.lessThan(size);
    const done = await waitState(bob, id, 'complete', 120_000);
    expect(done.root).to.equal(expectedRoot(bytes));
  });

  it('cancel by the sender mid-transfer: both sides drop their blobs', async () => {
    const [aliceBlobs, bobBlobs] = [blobCount(alice), blobCount(bob)];
    const sent = await sendFile(alice, bob.persona!.key, randomFile(40 * 1024 * 1024), 'cancel-a.bin');
    const id = sent.transfer_id as string;
    await eventually('1 MiB at Bob', async () => (await transferOn(bob, id))?.bytes_done >= 1024 * 1024, 60_000, 20);
    await alice.request('POST', `/sessions/${bob.persona!.key}/files/${id}/cancel`);
    const gone = await waitState(bob, id, 'cancelled');
    expect(gone.error).to.match(/sender cancelled/);
    expect(gone.available).to.equal(false);
    await eventually('blobs dropped on both sides', () => blobCount(alice) === aliceBlobs && blobCount(bob) === bobBlobs);
    expect((await bob.call('GET', `/files/inbound/${id}/stream`)).status).to.equal(404);
  });

  it('cancel by the receiver mid-transfer: the sender drops its sealed copy too', async () => {
    const [aliceBlobs, bobBlobs] = [blobCount(alice), blobCount(bob)];
    const sent = await sendFile(alice, bob.persona!.key, randomFile(40 * 1024 * 1024), 'cancel-b.bin');
    const id = sent.transfer_id as string;
    await eventually('1 MiB at Bob', async () => (await transferOn(bob, id))?.bytes_done >= 1024 * 1024, 60_000, 20);
    await bob.request('POST', `/sessions/${alice.persona!.key}/files/${id}/cancel`);
    const mine = await waitState(alice, id, 'cancelled');
    expect(mine.available).to.equal(false);
    await eventually('blobs dropped on both sides', () => blobCount(alice) === aliceBlobs && blobCount(bob) === bobBlobs);
  });

  it('canary: no plaintext of a file or its name is in either data dir, during or after a transfer', async () => {
    const canary = Buffer.from(`KITH-CANARY-${randomBytes(12).toString('hex')}`);
    const name = `secret-plan-${randomBytes(6).toString('hex')}.txt`;
    const bytes = Buffer.alloc(24 * 1024 * 1024);
    for (let at = 0; at + canary.length <= bytes.length; at += 4096) canary.copy(bytes, at);
    const scan = () => {
      for (const host of [alice, bob]) {
        for (const file of filesUnder(host.dataDir)) {
          let content: Buffer;
          try {
            content = fs.readFileSync(file);
          } catch {
            continue; // removed while we walked
          }
          expect(content.includes(canary), `canary in ${file}`).to.equal(false);
          expect(content.includes(Buffer.from(name)), `file name in ${file}`).to.equal(false);
        }
      }
    };
    const sent = await sendFile(alice, bob.persona!.key, new Uint8Array(bytes), name, 'text/plain');
    scan();
    await eventually('a third at Bob', async () => (await transferOn(bob, sent.transfer_id))?.bytes_done >= bytes.length / 3, 60_000, 20);
    scan();
    await waitState(bob, sent.transfer_id, 'complete', 120_000);
    scan();
    expect(Buffer.compare(Buffer.from((await download(bob, sent.transfer_id)).bytes), bytes)).to.equal(0);
  });
});
