/**
 * Fragmented MP4 plays on the receiver while it arrives, and a seek fetches the wanted range first,
 * in Chromium on two real Kith programs. The fMP4 is a fixture made by ffmpeg
 * (fixtures/files-fmp4/make-clip.sh: 30 s of H.264, a fragment per second, a global sidx), sent
 * with Alice's upload capped at half its bitrate, so in order it would take a minute to arrive.
 * Bob's inline <video> reads the stream route with Range: it plays while the transfer is active;
 * then Bob seeks near the end, the route asks the sender for the blocks there first (urgent NACK,
 * docs/wire/files.md "Seeks"), and playback goes on from there while most of the bytes before it
 * have still not arrived.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, startChatPeers, type ChatPeers } from './chat-peers.js';
import { playUntilFirstFrame } from './files-live-play.js';
import { readFragmentedMp4 } from './files-mp4-boxes.js';
import { dropMadeFile, putFile, rowTransferId, transferRow } from './files-page-kit.js';
import { snap } from './harness.js';

const CLIP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/files-fmp4/clip-sidx.mp4');
const SECONDS = 30;
const SEEK_TO = 25;

describe('browser: a fragmented MP4 plays on the receiver while it arrives, and a seek is served first (two peers)', function () {
  this.timeout(300_000);
  needs('chromium');
  let peers: ChatPeers;
  let a: Page;
  let b: Page;

  before(async () => {
    peers = await startChatPeers({ connected: true });
    a = await peers.open(peers.alice, peers.bob);
    b = await peers.open(peers.bob, peers.alice);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-files-live-mp4-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('plays before the transfer completes; a seek near the end plays from there with most earlier bytes still missing; the file arrives intact', async () => {
    const name = 'live.mp4';
    const bytes = fs.readFileSync(CLIP);
    const mp4 = readFragmentedMp4(bytes);
    expect(mp4.boxes.map((x) => x.type).slice(0, 4), 'fragmented MP4 with a global index').to.deep.equal(['ftyp', 'moov', 'sidx', 'moof']);
    expect(mp4.fragments.length).to.equal(SECONDS);
    const sendBytesPerSecond = Math.round(bytes.length / SECONDS / 2);
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: sendBytesPerSecond });
    await putFile(a, name, 'video/mp4', bytes);
    const streamRequests: Array<string | undefined> = [];
    const onStream = (r: Request) => void (r.url().includes('/api/files/inbound/') && streamRequests.push(r.headers()['range']));
    b.on('request', onStream);
    const started = performance.now();
    await dropMadeFile(a, name);
    await playUntilFirstFrame(b, name, 60_000, () => undefined);
    const firstFrameMs = performance.now() - started;
    b.off('request', onStream);
    const transferId = await rowTransferId(a, name);
    const atFrame = await peers.bob.request<{ state: string; bytes_done: number }>('GET', `/files/${transferId}`);
    console.log(`      fMP4 ${bytes.length} B, ${mp4.fragments.length} fragments, sent at ${sendBytesPerSecond} B/s (in order ${Math.round(bytes.length / sendBytesPerSecond)} s); first frame ${Math.round(firstFrameMs)} ms after the drop with ${atFrame.bytes_done} B here`);
    expect(atFrame.state, 'still arriving at the first played frame').to.equal('active');
    expect(atFrame.bytes_done, 'played with a small part of the file').to.be.below(bytes.length / 2);
    expect(streamRequests.some((r) => r?.startsWith('bytes=')), 'the element asks in ranges').to.equal(true);
    const live = { transferId, size: bytes.length, sendBytesPerSecond };
    await snap(b, 'files-live-mp4-01-playing-while-arriving');

    // The fragment holding SEEK_TO: its moof and the bytes after it are what the seek needs.
    const target = [...mp4.fragments].reverse().find((f) => f.seconds <= SEEK_TO)!;
    const ranges: number[] = [];
    const onRequest = (r: Request) => {
      const start = /^bytes=(\d+)-/.exec(r.headers()['range'] ?? '')?.[1];
      if (r.url().includes(`/api/files/inbound/${live.transferId}/stream`) && start !== undefined) ranges.push(Number(start));
    };
    b.on('request', onRequest);
    const before = await peers.bob.request<{ state: string; bytes_done: number }>('GET', `/files/${live.transferId}`);
    expect(before.bytes_done, 'in order, the seek point has not arrived yet').to.be.below(target.offset);
    const video = transferRow(b, name).getByTestId('inline-video');
    const seekMs = await video.evaluate(async (el: HTMLVideoElement, to: number) => {
      const started = performance.now();
      const played = (async () => {
        const seeked = new Promise((resolve) => el.addEventListener('seeked', resolve, { once: true }));
        el.currentTime = to;
        await seeked;
        await el.play();
        while (!(el.currentTime > to + 0.2)) await new Promise((r) => setTimeout(r, 20));
      })();
      const give = new Promise((_, reject) => setTimeout(() => reject(new Error(`no playing from ${to} s within 60 s (readyState ${el.readyState}, currentTime ${el.currentTime}, error ${el.error?.message ?? 'none'})`)), 60_000));
      await Promise.race([played, give]);
      return performance.now() - started;
    }, SEEK_TO);
    const after = await peers.bob.request<{ state: string; bytes_done: number }>('GET', `/files/${live.transferId}`);
    b.off('request', onRequest);
    // In order, playing from SEEK_TO would need every byte up to the target fragment (and then some).
    const inOrderMs = ((target.offset - before.bytes_done) / live.sendBytesPerSecond) * 1000;
    console.log(`      seek to ${SEEK_TO} s (fragment at byte ${target.offset}): playing ${Math.round(seekMs)} ms later with ${after.bytes_done} B here (${before.bytes_done} B at the seek; in order it would take ~${Math.round(inOrderMs)} ms)`);
    expect(after.state, 'still arriving when it played from the seek point').to.equal('active');
    expect(after.bytes_done, 'played from the seek point with far less than the bytes before it').to.be.below(target.offset / 2);
    expect(seekMs, 'the seek was served well before in-order arrival would have reached it').to.be.below(inOrderMs / 2);
    expect(ranges.some((start) => start >= target.offset - 64 * 1024 && start < target.offset + 2 * 1024 * 1024), `a Range request at the target fragment (saw ${ranges.join(', ')})`).to.equal(true);
    await snap(b, 'files-live-mp4-02-playing-from-seek');

    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    await eventually('the rest arrives', async () => (await peers.bob.request('GET', `/files/${live.transferId}`)).state === 'complete', 120_000, 250);
    const res = await peers.bob.fetch(`/api/files/inbound/${live.transferId}/stream`);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), bytes), 'the file arrived intact').to.equal(0);
  });
});
