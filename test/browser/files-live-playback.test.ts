/**
 * "A video starts playing on the receiver before the transfer completes", in Chromium on two real
 * Kith programs: a WebM recorded in Alice's page (canvas + MediaRecorder; there is no ffmpeg here),
 * sent with her upload capped at half its bitrate (so it is certainly still arriving), plays in
 * Bob's conversation: a presented frame and currentTime > 0 while Bob's transfer is still active
 * and short of the size. The <video> reads the stream route through a media URL with Range.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, startChatPeers, type ChatPeers } from './chat-peers.js';
import { measureLivePlay } from './files-live-play.js';
import { madeFileBytes } from './files-page-kit.js';
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
});
