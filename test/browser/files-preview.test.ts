/**
 * Media the browser cannot show as it is, in Chromium on two real Kith programs: an AVI Alice
 * sends fails to play inline at Bob's, so his row offers a Preview, which the host's ffmpeg makes
 * (POST /api/media/preview) and which then really decodes; on the Media page a TIFF (a type
 * Chromium has no decoder for) opens as the host's PNG of it.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, startChatPeers, type ChatPeers } from './chat-peers.js';
import { transferRow } from './files-page-kit.js';
import { snap } from './harness.js';

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args, 'pipe:1']);

describe('browser: previews of media the browser cannot show (the host\'s ffmpeg)', function () {
  this.timeout(300_000);
  needs('chromium', 'ffmpeg');
  let peers: ChatPeers;
  let bobPage: Page;

  before(async () => {
    peers = await startChatPeers({ connected: true });
    bobPage = await peers.open(peers.bob, peers.alice);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-files-preview-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('an AVI that does not play inline gets a Preview button; the preview decodes as video', async () => {
    const avi = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'mpeg4', '-f', 'avi']);
    const sent = await peers.alice.request<any>('POST', `/sessions/${peers.bob.persona!.key}/files`, { name: 'holiday.avi', mime: 'video/x-msvideo', data_base64: avi.toString('base64') });
    await eventually('Bob has it', async () => (await peers.bob.request<any>('GET', `/files/${sent.transfer_id}`)).state === 'complete', 60_000);
    const row = transferRow(bobPage, 'holiday.avi');
    // Chromium tries the file itself first and fails (no AVI demuxer): only then is a preview offered.
    await row.getByTestId('preview').waitFor({ timeout: 30_000 });
    expect(await row.getByTestId('inline-video').evaluate((v: HTMLVideoElement) => v.error?.code)).to.equal(4); // MEDIA_ERR_SRC_NOT_SUPPORTED
    await row.getByTestId('preview').click();
    await bobPage.waitForFunction(() => {
      const video = document.querySelector('video[data-testid="inline-preview"]') as HTMLVideoElement | null;
      return !!video && video.readyState >= 2 && video.videoWidth === 160 && video.videoHeight === 120 && Math.abs(video.duration - 2) < 0.2;
    }, undefined, { timeout: 60_000 });
    expect(await row.getByTestId('preview').count()).to.equal(0);
    await snap(bobPage, 'files-preview-avi');
  });

  it('a TIFF opens on the Media page as the host\'s PNG of it', async () => {
    const tiff = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=96x64', '-frames:v', '1', '-c:v', 'tiff', '-f', 'image2pipe']);
    const sent = await peers.alice.request<any>('POST', `/sessions/${peers.bob.persona!.key}/files`, { name: 'scan.tiff', mime: 'image/tiff', data_base64: tiff.toString('base64') });
    await eventually('Bob has it', async () => (await peers.bob.request<any>('GET', `/files/${sent.transfer_id}`)).state === 'complete', 60_000);
    await bobPage.goto(`${peers.bob.url}/media`);
    const item = bobPage.getByTestId(`media-${sent.transfer_id}`);
    await item.waitFor({ timeout: 30_000 });
    await item.getByTestId('media-open').click();
    await bobPage.waitForFunction(() => {
      const img = document.querySelector('img[data-testid="media-preview"][data-converted="true"]') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth === 96 && img.naturalHeight === 64;
    }, undefined, { timeout: 60_000 });
    await snap(bobPage, 'files-preview-tiff');
  });
});
