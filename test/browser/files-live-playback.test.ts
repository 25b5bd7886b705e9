/**
 * "A video starts playing on the receiver before the transfer completes", in Chromium on two real
 * Kith programs: a WebM recorded in Alice's page (canvas + MediaRecorder; there is no ffmpeg here),
 * sent with her upload capped at half its bitrate (so it is certainly still arriving), plays in
 * Bob's conversation: a presented frame and currentTime > 0 while Bob's transfer is still active
 * and short of the size. The <video> reads the stream route through a media URL with Range. A seek
 * far ahead in an arriving WAV asks for that range, which the route fetches from the sender first,
 * and plays from there while the transfer is still going.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, startChatPeers, type ChatPeers } from './chat-peers.js';
import { measureLivePlay } from './files-live-play.js';
import { dropMadeFile, madeFileBytes, makeFile, rowTransferId, transferRow } from './files-page-kit.js';
import { snap } from './harness.js';

describe('browser: a WebM plays on the receiver while it arrives (two peers)', function () {
  this.timeout(240_000);
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
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-files-live-playback-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('plays a frame before the transfer completes, through a media URL with Range, and the file arrives intact', async () => {
    const live = await measureLivePlay(peers, a, b, { name: 'live.webm', seconds: 6, bitsPerSecond: 800_000, rateFactor: 0.5 });
    expect(live.atFrame.state, 'still arriving at the first played frame').to.equal('active');
    expect(live.atFrame.bytes_done).to.be.below(live.size);
    expect(live.streamRequests.length).to.be.greaterThan(0);
    for (const r of live.streamRequests) expect(r.url).to.match(new RegExp(`/api/files/inbound/${live.transferId}/stream\\?kith_media=`));
    expect(live.streamRequests.some((r) => r.range?.startsWith('bytes=')), 'the element asks in ranges').to.equal(true);
    await snap(b, 'files-live-playback-01-playing-while-arriving');

    await eventually('the rest arrives', async () => (await peers.bob.request('GET', `/files/${live.transferId}`)).state === 'complete', 120_000, 250);
    const res = await peers.bob.fetch(`/api/files/inbound/${live.transferId}/stream`);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), await madeFileBytes(a, 'live.webm'))).to.equal(0);
  });

  it('a seek far ahead in an arriving audio file fetches that range first (out of order) and plays from there before the transfer completes', async () => {
    const name = 'long-tone.wav';
    // 240 s of 8 kHz mono 16-bit WAV (16 kB/s): 3.8 MB sent at 64 KiB/s, about four times its bitrate,
    // so in order it would reach 200 s only after ~50 s.
    const size = await makeFile(a, { kind: 'wav', seconds: 240, name, mime: 'audio/wav' });
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: 64 * 1024 });
    const ranges: string[] = [];
    b.on('request', (r) => {
      if (r.url().includes('/api/files/inbound/')) ranges.push(r.headers()['range'] ?? '');
    });
    await dropMadeFile(a, name);
    const id = await rowTransferId(a, name);
    const audio = transferRow(b, name).getByTestId('inline-audio');
    await audio.waitFor({ timeout: 60_000 });
    await eventually('the audio knows its length', () => audio.evaluate((el: HTMLAudioElement) => el.readyState >= 1 && Math.abs(el.duration - 240) < 0.1), 60_000);
    const before = await peers.bob.request('GET', `/files/${id}`);
    expect(before.bytes_done, 'the tail has not arrived in order yet').to.be.below(size / 2);

    await audio.evaluate(async (el: HTMLAudioElement) => {
      const played = (async () => {
        el.muted = true;
        const seeked = new Promise((resolve) => el.addEventListener('seeked', resolve, { once: true }));
        el.currentTime = 200;
        await seeked;
        await el.play();
        while (!(el.currentTime > 200.05)) await new Promise((r) => setTimeout(r, 20));
      })();
      const give = new Promise((_, reject) => setTimeout(() => reject(new Error(`no playing from 200 s within 60 s (readyState ${el.readyState}, currentTime ${el.currentTime}, error ${el.error?.message ?? 'none'})`)), 60_000));
      await Promise.race([played, give]);
    });
    const after = await peers.bob.request('GET', `/files/${id}`);
    expect(after.state, 'still arriving when it played from 200 s').to.equal('active');
    // 200 s into the samples: 44 + 200 × 16000 bytes; the element asked for (about) there.
    const seekOffset = 44 + 200 * 16_000;
    // It played from there with far less than everything before it: that range came first.
    expect(after.bytes_done, 'blocks held when it played from the seek point').to.be.below(seekOffset - 256 * 1024);
    expect(ranges.some((r) => {
      const start = Number(/^bytes=(\d+)-/.exec(r)?.[1] ?? -1);
      return start >= seekOffset - 64 * 1024 && start <= seekOffset + 64 * 1024;
    }), `a Range request at the seek point (saw ${ranges.join(', ')})`).to.equal(true);
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    await eventually('the rest arrives', async () => (await peers.bob.request('GET', `/files/${id}`)).state === 'complete', 120_000, 250);
    const res = await peers.bob.fetch(`/api/files/inbound/${id}/stream`);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), await madeFileBytes(a, name))).to.equal(0);
  });
});
