/**
 * The files extension in the conversation, in Chromium on two real Kith programs with a live
 * session: a file dropped on the conversation (a real drop event) is sent, both sides show a
 * progress bar that moves with its rate and time left; pause stops it and resume finishes it with
 * the same bytes (pause while the file is still sealed says the sealing goes on and the sending
 * waits); cancel from the receiver's row cleans up both sides, its reason said once; images, audio and video
 * show inline; after a restart the row says "resume N%" (never a silent restart from zero), and a
 * restarted sender's row never shows 0 %.
 * Alice's upload speed is capped through `POST /files/send-rate`, so a transfer is still moving
 * while the test looks at it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, send, startChatPeers, type ChatPeers } from './chat-peers.js';
import { barValue, dropFile, madeFileBytes, rowTransferId, transferRow } from './files-page-kit.js';
import { snap } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** What a moving row says: "37% · 255 KiB/s · 9 s left". */
const MOVING = /\d+% · [\d.]+ [KMG]?i?B\/s · \d+ (s|min) left/;

async function transfer(host: ChatPeers['alice'], id: string): Promise<any> {
  return host.request('GET', `/files/${id}`);
}

async function streamBytes(host: ChatPeers['alice'], id: string): Promise<Buffer> {
  const res = await host.fetch(`/api/files/inbound/${id}/stream`);
  expect(res.status).to.equal(200);
  return Buffer.from(await res.arrayBuffer());
}

function blobCount(host: ChatPeers['alice']): number {
  const dir = path.join(host.dataDir, 'identities', host.persona!.slug, 'blobs', 'files');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.commit')).length : 0;
}

describe('browser: files in the conversation (two peers)', function () {
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
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-files-conversation-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('a dropped file shows a moving progress bar with rate and time left on both sides; pause holds it, resume finishes it intact', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: 320 * KiB });
    const name = 'dropped-3mib.bin';
    const size = await dropFile(a, { kind: 'random', size: 3 * MiB, name, mime: 'application/octet-stream' });
    const id = await rowTransferId(a, name);
    for (const page of [a, b]) await transferRow(page, name).getByTestId('progress-label').filter({ hasText: MOVING }).waitFor({ timeout: 60_000 });
    const before = await barValue(b, name);
    await eventually('the receiver bar moves', async () => (await barValue(b, name)) > before, 30_000);
    await snap(b, 'files-conversation-01-progress');

    await transferRow(a, name).getByTestId('pause').click();
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /Paused at \d+%/ }).waitFor({ timeout: 30_000 });
    // What was already on its way lands; then nothing more comes.
    const held = await eventually('the receiver stops gaining bytes', async () => {
      const first = (await transfer(peers.bob, id)).bytes_done;
      await new Promise((r) => setTimeout(r, 1500));
      const second = (await transfer(peers.bob, id)).bytes_done;
      return first === second ? { bytes: second } : false;
    }, 30_000);
    expect(held.bytes).to.be.below(size);
    expect((await transfer(peers.bob, id)).state).to.equal('active');
    // Bob's row says why it stopped (files.pause), rather than just standing still.
    await transferRow(b, name).getByTestId('progress-label').filter({ hasText: /^Paused by the friend at \d+%; it goes on when they resume$/ }).waitFor({ timeout: 30_000 });
    await snap(a, 'files-conversation-02-paused');

    await transferRow(a, name).getByTestId('pause').click(); // now labelled Resume
    await eventually('complete on both sides', async () => (await transfer(peers.bob, id)).state === 'complete' && (await transfer(peers.alice, id)).state === 'complete', 90_000);
    expect(Buffer.compare(await streamBytes(peers.bob, id), await madeFileBytes(a, name))).to.equal(0);
    const done = await transfer(peers.bob, id);
    expect(done.payload_bytes, 'no block sent twice around the pause').to.be.at.most(size + 64 * KiB);
    for (const page of [a, b]) await transferRow(page, name).getByTestId('progress-label').filter({ hasText: '3.0 MiB' }).waitFor({ timeout: 30_000 });
  });

  it('cancel on the receiver\'s row: both rows say so and both sides drop their blobs', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: 256 * KiB });
    const [aliceBlobs, bobBlobs] = [blobCount(peers.alice), blobCount(peers.bob)];
    const name = 'cancel-me.bin';
    await dropFile(a, { kind: 'random', size: 4 * MiB, name, mime: 'application/octet-stream' });
    const id = await rowTransferId(a, name);
    await eventually('Bob is receiving', async () => (await transfer(peers.bob, id)).bytes_done > 0, 60_000);
    await transferRow(b, name).getByTestId('cancel').click();
    await eventually('cancelled on both sides', async () => (await transfer(peers.bob, id)).state === 'cancelled' && (await transfer(peers.alice, id)).state === 'cancelled', 30_000);
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /cancelled/i }).waitFor({ timeout: 30_000 });
    await transferRow(b, name).getByTestId('progress-label').filter({ hasText: /cancelled/i }).waitFor({ timeout: 30_000 });
    // The reason once: not "The friend cancelled it (cancelled)".
    expect(await transferRow(a, name).getByTestId('progress-label').innerText()).to.equal('The friend cancelled it');
    expect(await transferRow(a, name).getByTestId('pause').count()).to.equal(0);
    await eventually('blobs dropped on both sides', () => blobCount(peers.alice) === aliceBlobs && blobCount(peers.bob) === bobBlobs, 30_000);
    expect((await peers.bob.call('GET', `/files/inbound/${id}/stream`)).status).to.equal(404);
  });

  it('shows a received image, audio and video inline, decoded', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    await dropFile(a, { kind: 'png', name: 'inline.png', mime: 'image/png' });
    await dropFile(a, { kind: 'wav', seconds: 2, name: 'inline.wav', mime: 'audio/wav' });
    await dropFile(a, { kind: 'webm', seconds: 2, bitsPerSecond: 400_000, name: 'inline.webm', mime: 'video/webm' });
    const image = transferRow(b, 'inline.png').getByTestId('inline-image');
    await image.waitFor({ timeout: 60_000 });
    await eventually('the image decodes', () => image.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 64), 30_000);
    // A click shows it at the size of the window, named; Escape closes it and gives focus back to it.
    const view = transferRow(b, 'inline.png').getByTestId('view-image');
    expect(await view.getAttribute('aria-label')).to.equal('View inline.png full size');
    await view.click();
    const viewer = b.getByRole('dialog', { name: 'inline.png' });
    await viewer.waitFor({ timeout: 10_000 });
    const big = viewer.getByTestId('image-viewer-image');
    await eventually('the picture decodes in the viewer', () => big.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 64), 30_000);
    expect(await big.getAttribute('alt')).to.equal('inline.png');
    await eventually('the viewer takes focus', () => viewer.evaluate((dialog) => dialog.contains(document.activeElement)), 10_000);
    await b.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await b.evaluate(() => document.activeElement?.getAttribute('data-testid'))).to.equal('view-image');
    const audio = transferRow(b, 'inline.wav').getByTestId('inline-audio');
    await audio.waitFor({ timeout: 60_000 });
    await eventually('the audio loads', () => audio.evaluate((el: HTMLAudioElement) => el.readyState >= 1 && Math.abs(el.duration - 2) < 0.1), 30_000);
    const video = transferRow(b, 'inline.webm').getByTestId('inline-video');
    await video.waitFor({ timeout: 60_000 });
    await eventually('the video shows a frame', () => video.evaluate((el: HTMLVideoElement) => el.readyState >= 2 && el.videoWidth === 320), 30_000);
    // Named for a screen reader by the file's name.
    expect(await audio.getAttribute('aria-label')).to.equal('inline.wav');
    expect(await video.getAttribute('aria-label')).to.equal('inline.webm');
    await snap(b, 'files-conversation-03-inline-media');
  });

  it("puts each file in the conversation's timeline among the messages, by when it was sent, named and timed; a reload keeps the order", async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    await send(a, 'before the picture');
    await b.getByTestId('message-body').filter({ hasText: 'before the picture' }).waitFor({ timeout: 30_000 });
    await dropFile(a, { kind: 'png', name: 'between.png', mime: 'image/png' });
    await transferRow(b, 'between.png').getByTestId('inline-image').waitFor({ timeout: 60_000 });
    await send(a, 'after the picture');
    await b.getByTestId('message-body').filter({ hasText: 'after the picture' }).waitFor({ timeout: 30_000 });
    // The order of the list's rows as a reader meets them: messages by text, files by their entry's name.
    const order = (page: Page) =>
      page.getByTestId('message-list').evaluate((list) =>
        [...list.querySelectorAll<HTMLElement>('.vrow')]
          .sort((x, y) => Number(x.dataset['index']) - Number(y.dataset['index']))
          .map((row) => row.querySelector('[data-testid="timeline-entry"]')?.getAttribute('aria-label') ?? row.querySelector('[data-testid="message-body"]')?.textContent ?? '')
          .filter((text) => /picture|between\.png/.test(text)),
      );
    for (const [page, side, mine] of [[a, 'sender', true], [b, 'receiver', false]] as const) {
      const shown = await order(page);
      expect(shown.map((t) => t.replace(/,.*$/, '')), side).to.deep.equal(['before the picture', 'File between.png', 'after the picture']);
      // The entry's name says what it is and how big, for a screen reader.
      expect(shown[1], side).to.match(/^File between\.png, [\d.]+ (bytes|KB)$/);
      const entry = page.getByTestId('timeline-entry').filter({ has: page.locator('files-transfer-row', { hasText: 'between.png' }) });
      // On the side of whoever sent it, with the time it was sent.
      expect(await entry.evaluate((row) => row.classList.contains('mine')), side).to.equal(mine);
      expect(await entry.locator('files-timeline-file time').textContent(), side).to.match(/\d{1,2}[:.]\d{2}/);
    }
    // The keyboard walk stops at the file as at a message: Arrow Up from the last message reaches it, named.
    const list = b.getByTestId('message-list');
    await b.getByTestId('message').filter({ hasText: 'after the picture' }).focus();
    await b.keyboard.press('ArrowUp');
    const walkedTo = () => b.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName ?? null);
    expect(await walkedTo(), 'Arrow Up from the message after the file').to.match(/^File between\.png, /);
    await b.keyboard.press('ArrowUp');
    expect(await walkedTo(), 'Arrow Up from the file').to.match(/before the picture$/);
    expect(await list.evaluate((el) => el.contains(document.activeElement))).to.equal(true);
    // The conversation stays one Tab stop: Tab from the list passes the file's controls by...
    const inEntry = () => b.evaluate(() => !!document.activeElement?.closest('[data-testid="timeline-entry"]'));
    await list.focus();
    for (let i = 0; i < 8 && (await list.evaluate((el) => el.contains(document.activeElement))); i++) {
      await b.keyboard.press('Tab');
      expect(await inEntry(), `Tab ${i + 1} from the list`).to.equal(false);
    }
    // ...until the walk stops at the file: then Tab reaches them, as it reaches a message's.
    await b.getByTestId('message').filter({ hasText: 'after the picture' }).focus();
    await b.keyboard.press('ArrowUp');
    await b.keyboard.press('Tab');
    expect(await inEntry(), 'Tab from the file walked to').to.equal(true);
    expect(await b.evaluate(() => document.activeElement?.getAttribute('aria-label')), "the file's Save").to.equal('Save between.png');
    // Save, from the conversation: a download of exactly the bytes sent, under the file's name.
    const [download] = await Promise.all([b.waitForEvent('download', { timeout: 15_000 }), b.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).to.equal('between.png');
    expect(Buffer.compare(fs.readFileSync((await download.path())!), await madeFileBytes(a, 'between.png'))).to.equal(0);
    // Another file joining the conversation leaves this one's view as it is (it was made again: focus and playback were lost).
    const shown = transferRow(b, 'between.png').getByTestId('inline-image');
    await shown.evaluate((img) => (img.dataset['probe'] = 'kept'));
    await dropFile(a, { kind: 'random', size: 1000, name: 'joins-later.bin', mime: 'application/octet-stream' });
    await transferRow(b, 'joins-later.bin').waitFor({ timeout: 30_000 });
    await b.waitForTimeout(500);
    expect(await b.evaluate(() => document.querySelector('[data-probe="kept"]')?.isConnected ?? false), "the picture's view after another file came").to.equal(true);
    expect(await inEntry(), 'focus stays in the file').to.equal(true);
    await b.reload();
    await transferRow(b, 'between.png').getByTestId('inline-image').waitFor({ timeout: 30_000 });
    await b.getByTestId('message-body').filter({ hasText: 'after the picture' }).waitFor({ timeout: 30_000 });
    expect((await order(b)).map((t) => t.replace(/,.*$/, ''))).to.deep.equal(['before the picture', 'File between.png', 'after the picture']);
    await snap(b, 'files-conversation-04-timeline');
  });

  it('pause while the file is still being sealed says sealing goes on and the sending waits; resume sends it', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    const name = 'paused-while-sealing.bin';
    // The upload's second piece (of three) is held back, so the row is caught mid-sealing.
    const secondPiece = /\/files\/[0-9a-f]+\/chunk\?idx=1$/;
    let releasePiece!: () => void;
    const pieceReleased = new Promise<void>((resolve) => (releasePiece = resolve));
    await a.route(secondPiece, async (route) => {
      await pieceReleased;
      await route.continue();
    });
    try {
      await dropFile(a, { kind: 'random', size: 20 * MiB, name, mime: 'application/octet-stream' });
      const label = transferRow(a, name).getByTestId('progress-label');
      await label.filter({ hasText: /^Sealing [1-9]\d*%$/ }).waitFor({ timeout: 60_000 });
      await transferRow(a, name).getByTestId('pause').click();
      await label.filter({ hasText: /^Sealing \d+% · paused: sending waits until you resume$/ }).waitFor({ timeout: 15_000 });
      await snap(a, 'files-conversation-07-paused-while-sealing');
    } finally {
      releasePiece();
      await a.unroute(secondPiece);
    }
    // Sealed: nothing goes to the friend until Resume.
    const id = await rowTransferId(a, name);
    const label = transferRow(a, name).getByTestId('progress-label');
    await label.filter({ hasText: /^(Sealed · paused: sending waits until you resume|Paused at 0% — resume)$/ }).waitFor({ timeout: 60_000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await transfer(peers.bob, id).catch(() => ({ bytes_done: 0 }))).bytes_done, 'nothing sent while paused').to.equal(0);
    await transferRow(a, name).getByTestId('pause').click(); // now labelled Resume
    await eventually('complete after the resume', async () => (await transfer(peers.bob, id)).state === 'complete', 90_000);
    expect(Buffer.compare(await streamBytes(peers.bob, id), await madeFileBytes(a, name))).to.equal(0);
  });

  it('the attach button sends a picked file; a file over the 16 GiB limit is refused up front with a clear message', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: null });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-files-pick-'));
    try {
      const small = path.join(dir, 'picked.txt');
      fs.writeFileSync(small, 'picked with the attach button');
      const [chooser] = await Promise.all([a.waitForEvent('filechooser'), a.getByTestId('files-attach').click()]);
      await chooser.setFiles(small);
      const id = await rowTransferId(a, 'picked.txt');
      await eventually('Bob has the picked file', async () => (await transfer(peers.bob, id)).state === 'complete', 60_000);
      expect((await streamBytes(peers.bob, id)).toString()).to.equal('picked with the attach button');

      // 17 GiB, sparse: the page sees its size without a byte being read.
      const huge = path.join(dir, 'huge.iso');
      fs.closeSync(fs.openSync(huge, 'w'));
      fs.truncateSync(huge, 17 * 1024 ** 3);
      const before = (await peers.alice.request<{ transfers: unknown[] }>('GET', '/files/transfers')).transfers.length;
      const [bigChooser] = await Promise.all([a.waitForEvent('filechooser'), a.getByTestId('files-attach').click()]);
      await bigChooser.setFiles(huge);
      await a.getByText('huge.iso: Not sent: it is 17 GiB, over the 16 GiB limit for one file').waitFor({ timeout: 15_000 });
      expect((await peers.alice.request<{ transfers: unknown[] }>('GET', '/files/transfers')).transfers.length, 'no transfer was begun').to.equal(before);
      await snap(a, 'files-conversation-05-too-large');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a restart of the receiver the row says "resume N%", and the rest arrives without starting over', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: 256 * KiB });
    const name = 'survives-restart.bin';
    const size = await dropFile(a, { kind: 'random', size: 3 * MiB, name, mime: 'application/octet-stream' });
    const id = await rowTransferId(a, name);
    await eventually('Bob has a quarter', async () => (await transfer(peers.bob, id)).bytes_done >= size / 4, 60_000);
    // Held at the sender, so what the restarted page shows is only what Bob kept.
    await transferRow(a, name).getByTestId('pause').click();
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /Paused at/ }).waitFor({ timeout: 30_000 });
    const sentBefore = await eventually('the sender settles', async () => {
      const first = (await transfer(peers.alice, id)).payload_bytes;
      await new Promise((r) => setTimeout(r, 1000));
      return first === (await transfer(peers.alice, id)).payload_bytes ? first : false;
    }, 30_000);
    await b.close();
    await peers.bob.restart();
    const kept = (await transfer(peers.bob, id)).bytes_done;
    expect(kept).to.be.at.least(size / 4 - 256 * KiB);
    b = await peers.open(peers.bob, peers.alice);
    // Held by Alice's pause: "Paused by the friend at N%" (else "resume N%").
    const keptPercent = /(?:resume|Paused by the friend at) (\d+)%/;
    const label = transferRow(b, name).getByTestId('progress-label').filter({ hasText: keptPercent });
    await label.waitFor({ timeout: 60_000 });
    const shown = Number(keptPercent.exec(await label.innerText())![1]);
    expect(shown).to.equal(Math.floor((kept / size) * 100));
    expect(shown).to.be.above(0);
    await snap(b, 'files-conversation-04-resume-after-restart');

    await peers.net.connect(peers.alice, peers.bob).catch(() => undefined); // a session may already be back
    await transferRow(a, name).getByTestId('pause').click();
    await eventually('complete after the restart', async () => (await transfer(peers.bob, id)).state === 'complete', 90_000);
    expect(Buffer.compare(await streamBytes(peers.bob, id), await madeFileBytes(a, name))).to.equal(0);
    // Only what Bob lacked was sent after the restart (a block or two of slack for one in flight at the pause).
    const sentAfter = (await transfer(peers.alice, id)).payload_bytes - sentBefore;
    expect(sentAfter, 'bytes sent after the restart').to.be.at.most(size - kept + 128 * KiB);
  });

  it('after a restart of the sender its row never says 0 %: it waits for the friend, then shows what the friend has', async () => {
    await peers.alice.request('POST', '/files/send-rate', { bytes_per_second: 256 * KiB });
    const name = 'sender-restarts.bin';
    const size = await dropFile(a, { kind: 'random', size: 3 * MiB, name, mime: 'application/octet-stream' });
    const bytes = await madeFileBytes(a, name);
    const id = await rowTransferId(a, name);
    await eventually('Bob has a quarter', async () => (await transfer(peers.bob, id)).bytes_done >= size / 4, 60_000);
    await transferRow(a, name).getByTestId('pause').click();
    await transferRow(a, name).getByTestId('progress-label').filter({ hasText: /Paused at/ }).waitFor({ timeout: 30_000 });
    await a.close();
    await peers.alice.restart();
    a = await peers.open(peers.alice, peers.bob);
    const label = transferRow(a, name).getByTestId('progress-label');
    await label.filter({ hasText: /Paused/ }).waitFor({ timeout: 60_000 });
    expect(await label.innerText()).to.not.match(/ 0%/);
    await peers.net.connect(peers.alice, peers.bob).catch(() => undefined); // a session may already be back
    const known = label.filter({ hasText: /Paused at [1-9]\d*%/ });
    await known.waitFor({ timeout: 60_000 });
    expect(Number(/Paused at (\d+)%/.exec(await known.innerText())![1])).to.be.at.least(20);
    await snap(a, 'files-conversation-06-sender-restarted');
    await transferRow(a, name).getByTestId('pause').click();
    await eventually('complete after the sender restart', async () => (await transfer(peers.bob, id)).state === 'complete', 90_000);
    expect(Buffer.compare(await streamBytes(peers.bob, id), bytes)).to.equal(0);
  });
});
