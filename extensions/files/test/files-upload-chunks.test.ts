/**
 * A staged upload after a chunk that failed (here: more bytes than the declared size), as a
 * client written for `?idx=N` retries it. If nothing of the failed chunk was stored, the same idx
 * goes again. If part was (a long streamed chunk commits every 8 MiB), chunk numbers no longer
 * say where the upload is: the refusal says so and names the offset to go on from, and the
 * answers go on with `next_idx: null`. Either way the file arrives whole at the friend.
 */
import { expect } from 'chai';
import { connect, eventually, type TestHost } from '@kith/sdk/testing';
import { download, randomFile, reconnect, startFilesPair, waitState, type FilesPair } from './support/files-net.js';

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

  it('takes a one-shot file above 16 MiB (the largest blob append piece) to a friend and to self', async () => {
    const file = randomFile(20 * MIB);
    const data_base64 = Buffer.from(file).toString('base64');
    const sent = await alice.call('POST', `/sessions/${bob.persona!.key}/files`, { name: 'big-one-shot.bin', data_base64 });
    expect(sent.status, JSON.stringify(sent.body).slice(0, 300)).to.equal(201);
    await waitState(bob, sent.body.transfer_id, 'complete');
    expect(Buffer.from((await download(bob, sent.body.transfer_id)).bytes).equals(Buffer.from(file)), 'the friend has the file').to.equal(true);
    const self = await alice.call('POST', '/self/files', { name: 'big-note.bin', data_base64 });
    expect(self.status).to.equal(201);
    expect(Buffer.from((await download(alice, self.body.transfer_id)).bytes).equals(Buffer.from(file))).to.equal(true);
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

  it('after a kill -9 of the sender, an unfinished upload says how much it holds (not 0), and goes on from there', async () => {
    const file = randomFile(300_000);
    const id = await begin(file.length);
    expect(await chunk(id, 'idx=0', file.subarray(0, 100_000))).to.deep.include({ status: 200 });
    await alice.crash();
    await alice.restart();
    const row = await alice.request<{ state: string; bytes_done: number }>('GET', `/files/${id}`);
    expect(row).to.include({ state: 'uploading', bytes_done: 100_000 });
    expect(await chunk(id, 'offset=100000', file.subarray(100_000))).to.deep.include({ status: 200 });
    await reconnect(() => connect(alice, bob, pair.rendezvous.url));
    await arrives(id, file);
  });

  it('after a kill -9 of the sender mid-transfer, its row shows the progress saved before (not 0) until the friend says what it has', async () => {
    await alice.request('POST', '/files/send-rate', { bytes_per_second: MIB });
    const file = randomFile(4 * MIB);
    const id = await begin(file.length);
    expect(await chunk(id, 'idx=0', file)).to.deep.include({ status: 200 });
    expect((await alice.call('POST', `/sessions/${bob.persona!.key}/files/${id}/commit`)).status).to.equal(200);
    await eventually('Bob has a quarter', async () => ((await bob.call('GET', `/files/${id}`)).body?.bytes_done ?? 0) >= MIB, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the counters are saved every second
    await alice.crash();
    await alice.restart();
    const row = await alice.request<{ state: string; bytes_done: number; payload_bytes: number }>('GET', `/files/${id}`);
    expect(row.state).to.equal('active');
    expect(row.bytes_done).to.be.within(1, file.length - 1);
    await reconnect(() => connect(alice, bob, pair.rendezvous.url));
    await waitState(bob, id, 'complete');
    expect(Buffer.from((await download(bob, id)).bytes).equals(Buffer.from(file))).to.equal(true);
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
    await pause(id, false);
    const done = await waitState(bob, id, 'complete');
    expect(done.paused).to.equal(false);
    expect(Buffer.from((await download(bob, id)).bytes).equals(Buffer.from(file))).to.equal(true);
  });
});
