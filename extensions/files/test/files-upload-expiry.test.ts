/**
 * An upload whose page went away (a closed tab, a crash) must not sit "Preparing…" forever,
 * holding sealed bytes and a place among the open uploads: after the idle limit it fails with
 * why, and its bytes are freed. An upload that keeps sending, or one long streamed chunk, is not
 * idle. Alice runs the real extension with a 4 s limit (support/quick-expiry-files.ts).
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { TestHost } from '@kith/sdk/testing';
import { QUICK_IDLE_MS } from './support/quick-expiry-files.js';
import { blobCount, download, randomFile, startFilesPair, transferOn, waitState, type FilesPair } from './support/files-net.js';

const QUICK_FILES = fileURLToPath(new URL('./support/quick-expiry-files.ts', import.meta.url));

describe('files: an upload left unfinished by its page is given up after the idle limit', function () {
  this.timeout(180_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;
  const chunk = (id: string, at: number, body: BodyInit, init: RequestInit = {}) =>
    alice.fetch(`/api/sessions/${bob.persona!.key}/files/${id}/chunk?offset=${at}`, {
      method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, ...init,
    });
  const begin = async (size: number) =>
    (await alice.request<{ transfer_id: string }>('POST', `/sessions/${bob.persona!.key}/files/begin`, { name: 'left.bin', size })).transfer_id;

  before(async () => {
    pair = await startFilesPair({ aliceFiles: QUICK_FILES });
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('fails an idle upload with the bytes it got, frees them, and refuses a late chunk', async () => {
    const before = blobCount(alice);
    const id = await begin(300_000);
    expect((await chunk(id, 0, Buffer.from(randomFile(100_000)))).status).to.equal(200);
    expect(blobCount(alice)).to.be.greaterThan(before);
    expect((await transferOn(alice, id)).state).to.equal('uploading');
    const failed = await waitState(alice, id, 'failed', QUICK_IDLE_MS + 20_000);
    expect(failed.error).to.match(/^The upload stopped at 100000 of 300000 bytes \(nothing arrived for 4 s\); attach the file again/);
    expect(failed.available).to.equal(false);
    expect(blobCount(alice), 'the sealed partial copy is deleted').to.equal(before);
    const late = await chunk(id, 100_000, Buffer.from(randomFile(1000)));
    expect(late.status).to.equal(409);
    expect((await late.json()).error.code).to.equal('KITH_EXT_FILES_BAD_STATE');
    // It stays listed with its reason until the user removes it.
    const { transfers } = await alice.request<{ transfers: any[] }>('GET', '/files/transfers');
    expect(transfers.find((t) => t.transfer_id === id)?.state).to.equal('failed');
    expect((await alice.call('DELETE', `/files/${id}`)).status).to.be.oneOf([200, 204]);
  });

  it('keeps an upload whose chunks keep coming, and one long streamed chunk, past the limit; both deliver', async () => {
    // Chunks every second for twice the limit.
    const steady = randomFile(8 * 10_000);
    const steadyId = await begin(steady.length);
    for (let at = 0; at < steady.length; at += 10_000) {
      expect((await chunk(steadyId, at, Buffer.from(steady.subarray(at, at + 10_000)))).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect((await alice.call('POST', `/sessions/${bob.persona!.key}/files/${steadyId}/commit`)).status).to.equal(200);

    // One request body that trickles in for twice the limit.
    const slow = randomFile(8 * 10_000);
    const slowId = await begin(slow.length);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let at = 0; at < slow.length; at += 10_000) {
          controller.enqueue(slow.subarray(at, at + 10_000));
          await new Promise((r) => setTimeout(r, 1000));
        }
        controller.close();
      },
    });
    const answer = await chunk(slowId, 0, body, { duplex: 'half' } as RequestInit);
    expect(answer.status, await answer.clone().text()).to.equal(200);
    expect((await alice.call('POST', `/sessions/${bob.persona!.key}/files/${slowId}/commit`)).status).to.equal(200);

    for (const [id, bytes] of [[steadyId, steady], [slowId, slow]] as const) {
      await waitState(bob, id, 'complete');
      expect(Buffer.compare((await download(bob, id)).bytes, bytes)).to.equal(0);
    }
  });
});
