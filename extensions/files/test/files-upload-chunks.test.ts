/**
 * A staged upload after a chunk that failed (here: more bytes than the declared size), as a
 * client written for `?idx=N` retries it. If nothing of the failed chunk was stored, the same idx
 * goes again. If part was (a long streamed chunk commits every 8 MiB), chunk numbers no longer
 * say where the upload is: the refusal says so and names the offset to go on from, and the
 * answers go on with `next_idx: null`. Either way the file arrives whole at the friend.
 */
import { expect } from 'chai';
import { eventually, type TestHost } from '@kith/sdk/testing';
import { download, randomFile, startFilesPair, waitState, type FilesPair } from './support/files-net.js';

const MIB = 1024 * 1024;

describe('files: a staged upload goes on after a failed chunk (real hosts)', function () {
  this.timeout(180_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;
  const base = (id: string) => `/api/sessions/${bob.persona!.key}/files/${id}`;
  /** POST a chunk; an early refusal may cut the connection before the body is sent (then status 0). */
  const chunk = async (id: string, where: string, bytes: Uint8Array) => {
    try {
      const res = await alice.fetch(`${base(id)}/chunk?${where}`, { method: 'POST', body: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream' } });
      return { status: res.status, body: await res.json() };
    } catch {
      return { status: 0, body: undefined };
    }
  };
  const begin = async (size: number) =>
    (await alice.request<{ transfer_id: string }>('POST', `/sessions/${bob.persona!.key}/files/begin`, { name: 'retried.bin', size })).transfer_id;
  const arrives = async (id: string, file: Uint8Array) => {
    expect((await alice.call('POST', `/sessions/${bob.persona!.key}/files/${id}/commit`)).status).to.equal(200);
    await waitState(bob, id, 'complete');
    expect(Buffer.from((await download(bob, id)).bytes).equals(Buffer.from(file)), 'the friend has the file').to.equal(true);
  };

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('takes the same idx again when nothing of the failed chunk was stored', async () => {
    const file = randomFile(200_000);
    const id = await begin(file.length);
    expect(await chunk(id, 'idx=0', file.subarray(0, 100_000))).to.deep.include({ status: 200 });
    const tooLong = await chunk(id, 'idx=1', randomFile(300_000));
    expect(tooLong.status).to.be.oneOf([0, 400]);
    const again = await chunk(id, 'idx=1', file.subarray(100_000));
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.include({ received_bytes: 200_000, next_idx: 2 });
    await arrives(id, file);
  });

  it('names the offset when part of the failed chunk was stored, and goes on from it', async () => {
    const file = randomFile(10 * MIB);
    const id = await begin(file.length);
    const tooLong = await chunk(id, 'idx=0', Buffer.concat([file, randomFile(2 * MIB)]));
    expect(tooLong.status).to.be.oneOf([0, 400]);
    // (A small body: the refusal comes before the body is read, and a large one would be cut off.)
    const numbered = await chunk(id, 'idx=0', file.subarray(0, 1));
    expect(numbered.status).to.equal(409);
    const kept = numbered.body.error.details.received_bytes as number;
    // The streamed append's last commit before the refusal (every ~8 MiB, at a piece's end).
    expect(kept).to.be.within(8 * MIB, file.length - 1);
    expect(numbered.body.error.message).to.contain('chunk numbers no longer apply').and.to.contain(`?offset=${kept}`);
    const rest = await chunk(id, `offset=${kept}`, file.subarray(kept));
    expect(rest.status).to.equal(200);
    expect(rest.body).to.deep.include({ received_bytes: file.length, next_idx: null });
    await arrives(id, file);
  });
});

describe('files: the receiver sees the sender pause (real hosts)', function () {
  this.timeout(180_000);
  let pair: FilesPair;
  let alice: TestHost;
  let bob: TestHost;
  const pause = (id: string, paused: boolean) => alice.request('POST', `/sessions/${bob.persona!.key}/files/${id}/pause`, { paused });

  before(async () => {
    pair = await startFilesPair();
    ({ alice, bob } = pair);
  });
  after(async () => pair?.close());

  it('learns of a pause made while the file was still uploading, and of the resume; then the file arrives', async () => {
    const file = randomFile(300_000);
    const id = (await alice.request<{ transfer_id: string }>('POST', `/sessions/${bob.persona!.key}/files/begin`, { name: 'paused.bin', size: file.length })).transfer_id;
    await pause(id, true);
    const res = await alice.fetch(`/api/sessions/${bob.persona!.key}/files/${id}/chunk?idx=0`, { method: 'POST', body: Buffer.from(file), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).to.equal(200);
    await alice.request('POST', `/sessions/${bob.persona!.key}/files/${id}/commit`);
    const shown = await eventually('Bob\'s row paused', async () => {
      const t = await bob.call('GET', `/files/${id}`);
      return t.status === 200 && t.body.paused === true ? t.body : undefined;
    });
    expect(shown.state).to.be.oneOf(['active', 'offered']);
    expect(shown.bytes_done).to.equal(0);
    // A player asking for bytes that will not come while paused hears so at once (not a 504 after 30 s).
    const early = await bob.fetch(`/api/files/inbound/${id}/stream`, { headers: { range: 'bytes=0-99' } });
    expect(early.status).to.equal(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).to.match(/paused|Waiting/);
    await pause(id, false);
    const done = await waitState(bob, id, 'complete');
    expect(done.paused).to.equal(false);
    expect(Buffer.from((await download(bob, id)).bytes).equals(Buffer.from(file))).to.equal(true);
  });
});
