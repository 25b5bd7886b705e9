/**
 * hello's notes on a real host: a streamed upload lands in a sealed blob, a ranged GET answers 206
 * (and 416 past the end), and the panel's `recorder` page channel records binary chunks into a
 * note that the same route serves back byte for byte.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestHost, type TestHost } from '@kith/sdk/testing';
import type { PageChannel, PageChannelMessage } from '@kith/sdk';
import { buildInstallableHello } from './support/build-installable.js';

/** Resolves with the next message the channel receives. */
function nextMessage(channel: PageChannel): Promise<PageChannelMessage> {
  return new Promise((resolve) => {
    const once = channel.onDidReceive((message) => {
      once.dispose();
      resolve(message);
    });
  });
}

describe('example extension "hello": notes in blobs, a streamed route and a page channel', function () {
  this.timeout(60_000);
  let work: string;
  let t: TestHost;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hello-notes-'));
    t = await startTestHost({ extensions: [buildInstallableHello(work)], builtin: false });
    await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('streams an upload into a note and serves it back whole and in ranges', async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    // A body the host reads as it arrives (a ReadableStream, sent chunked).
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 256 * 1024) controller.enqueue(bytes.subarray(at, at + 256 * 1024));
        controller.close();
      },
    });
    const res = await t.fetch('/api/hello/notes', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit);
    expect(res.status).to.equal(200);
    const { id, size } = (await res.json()) as { id: string; size: number };
    expect(size).to.equal(bytes.length);
    expect((await t.request('GET', '/hello/notes')).notes).to.deep.include({ id, size });

    const whole = await t.fetch(`/api/hello/notes/${id}`);
    expect(whole.status).to.equal(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).to.equal(true);
    const part = await t.fetch(`/api/hello/notes/${id}`, { headers: { range: 'bytes=1000000-1000099' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 1000000-1000099/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1_000_000, 1_000_100))).to.equal(true);
    const tail = await t.fetch(`/api/hello/notes/${id}`, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-10))).to.equal(true);
    const past = await t.fetch(`/api/hello/notes/${id}`, { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.status).to.equal(416);
  });

  it('refuses an upload over 16 MiB with 413 and keeps no half note', async () => {
    const before = (await t.request('GET', '/hello/notes')).notes.length;
    // Headers only: the declared length alone is refused, before a byte of the body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${t.url}/api/hello/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': 16 * 1024 * 1024 + 1, 'x-kith-secret': t.secret, origin: t.url },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).to.equal(413);
    expect((await t.request('GET', '/hello/notes')).notes.length).to.equal(before);
  });

  it('records binary chunks sent over the recorder page channel into a note, losing none', async () => {
    const page = await t.openPage();
    const recorder = await page.openChannel('hello', 'recorder');
    expect(recorder.policy).to.equal('pause');
    const started = nextMessage(recorder);
    expect(recorder.send({ start: true })).to.equal(true);
    const { recording } = (await started) as { recording: string };
    expect(recording).to.match(/^[0-9a-f]{32}$/);

    // 120 chunks of 32 KiB (3.9 MB): more than the window and queue hold, so the sender must wait
    // for the extension's blob appends; pause never drops one.
    const chunks = [...Array(120).keys()].map((i) => new Uint8Array(32 * 1024).fill(i & 0xff));
    let waits = 0;
    for (const chunk of chunks) {
      while (!recorder.send(chunk)) {
        waits++;
        await recorder.whenWritable();
      }
    }
    const saved = nextMessage(recorder);
    while (!recorder.send({ stop: true })) await recorder.whenWritable();
    expect(await saved).to.deep.equal({ saved: recording, size: 120 * 32 * 1024 });
    expect(recorder.stats.dropped).to.equal(0);
    expect(waits).to.be.greaterThan(0);

    const note = Buffer.from(await (await t.fetch(`/api/hello/notes/${recording}`)).arrayBuffer());
    expect(note.equals(Buffer.concat(chunks))).to.equal(true);
    page.close();
  });

  it('answers a chunk before start with an error message, not a fault', async () => {
    const page = await t.openPage();
    const recorder = await page.openChannel('hello', 'recorder');
    const answer = nextMessage(recorder);
    recorder.send(new Uint8Array([1, 2, 3]));
    expect(await answer).to.deep.equal({ error: 'send { start: true } first' });
    const hello = (await t.request('GET', '/extensions')).extensions.find((e: { id: string }) => e.id === 'hello');
    expect(hello).to.include({ running: true, faulted: false });
    page.close();
  });
});
