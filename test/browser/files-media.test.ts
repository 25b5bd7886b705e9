/**
 * The files extension in Chromium on two real hosts with a live session: a file Alice sends shows
 * on Bob's Media page, still there after a reload, and opens decrypted on demand (an image preview
 * that really decodes); filters by friend and type, opens audio, saves the exact bytes, deletes
 * for good (asked in the page, Cancel focused); a small image opens at its natural size; a type
 * Kith does not show (HTML) has only Save and is never rendered; a filter with no match says so
 * rather than "No attachments yet". Drag-and-drop, progress and pause/resume/cancel: files-conversation.test.ts; live
 * WebM playback: files-live-playback.test.ts.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { befriend, connect, eventually, type TestPeer } from '@kith/sdk/testing';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';

/** A short WAV (8 kHz mono 16-bit, a quiet tone): what the Media page's audio preview must load. */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const out = Buffer.alloc(44 + n * 2);
  out.write('RIFF', 0); out.writeUInt32LE(36 + n * 2, 4); out.write('WAVE', 8); out.write('fmt ', 12);
  out.writeUInt32LE(16, 16); out.writeUInt16LE(1, 20); out.writeUInt16LE(1, 22); out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 2, 28); out.writeUInt16LE(2, 32); out.writeUInt16LE(16, 34); out.write('data', 36); out.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) out.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return out;
}

/** A 1×1 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

async function peerOn(host: TestHost, label: string): Promise<TestPeer & { key: string }> {
  const request = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await host.host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const slug = label.toLowerCase();
  const passphrase = `${label} files passphrase`;
  await request('POST', '/personas', { slug, label, passphrase });
  await request('POST', '/identity/unlock', { slug, passphrase, set_active: true });
  const personas = await request<any>('GET', '/personas');
  const mine = (Array.isArray(personas) ? personas : personas.personas).find((p: any) => p.slug === slug);
  const persona = { slug, label, passphrase, mnemonic: '', key: mine.master_pubkey as string, peerId: mine.peer_id as string };
  return { name: label, persona, request: request as TestPeer['request'], key: persona.key };
}

describe('browser: the files Media page', function () {
  this.timeout(240_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let aliceHost: TestHost;
  let bobHost: TestHost;
  let alice: Awaited<ReturnType<typeof peerOn>>;
  let bob: Awaited<ReturnType<typeof peerOn>>;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const url = rendezvous.url.replace(/\/$/, '');
    [aliceHost, bobHost] = await Promise.all([startTestHost(), startTestHost()]);
    [alice, bob] = await Promise.all([peerOn(aliceHost, 'Alice'), peerOn(bobHost, 'Bob')]);
    await befriend(alice, bob, url);
    await connect(alice, bob, url);
    browser = await launchBrowser();
    ({ page } = await openPage(browser));
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([aliceHost?.close(), bobHost?.close()]);
    await rendezvous?.close();
  });

  it('lists a received file after a reload and opens it decrypted on demand', async () => {
    const sent = await alice.request<any>('POST', `/sessions/${bob.key}/files`, { name: 'red-dot.png', mime: 'image/png', data_base64: PNG });
    await eventually('Bob has it', async () => (await bob.request<any>('GET', `/files/${sent.transfer_id}`)).state === 'complete');
    await page.goto(`${bobHost.host.url}/media`);
    const row = page.getByTestId(`media-${sent.transfer_id}`);
    await row.waitFor({ timeout: 30_000 }).catch(async (error) => {
      await snap(page, 'FAILED-files-media-page');
      throw new Error(`${(error as Error).message}\n${(await page.locator('body').innerText()).slice(0, 1500)}`);
    });
    expect(await row.innerText()).to.contain('red-dot.png');
    await page.reload();
    await row.waitFor({ timeout: 30_000 });
    await row.getByTestId('media-open').click();
    const preview = page.getByTestId('media-preview');
    await preview.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="media-preview"]') as HTMLImageElement | null)?.naturalWidth === 1, undefined, { timeout: 10_000 });
    await snap(page, 'files-media-page');
  });

  it('filters by friend and type, opens audio, saves a file with its bytes, and deletes one for good', async () => {
    const sound = wav(1);
    const tone = await alice.request<any>('POST', `/sessions/${bob.key}/files`, { name: 'tone.wav', mime: 'audio/wav', data_base64: sound.toString('base64') });
    const note = await bob.request<any>('POST', '/self/files', { name: 'note.txt', mime: 'text/plain', data_base64: Buffer.from('a note to myself').toString('base64') });
    await eventually('Bob has the tone', async () => (await bob.request<any>('GET', `/files/${tone.transfer_id}`)).state === 'complete');
    await page.goto(`${bobHost.host.url}/media`);
    const rows = page.locator('li[data-testid^="media-"]');
    const names = async () => (await rows.allInnerTexts()).map((t) => /(red-dot\.png|tone\.wav|note\.txt)/.exec(t)?.[1]).sort();
    await eventually('all three listed', async () => (await names()).length === 3, 30_000);
    expect(await names()).to.deep.equal(['note.txt', 'red-dot.png', 'tone.wav']);

    await page.getByTestId('media-friend').selectOption(alice.key);
    await eventually('only what Alice sent', async () => JSON.stringify(await names()) === JSON.stringify(['red-dot.png', 'tone.wav']), 30_000);
    await page.getByTestId('media-type').selectOption('audio');
    await eventually('only Alice\'s audio', async () => JSON.stringify(await names()) === JSON.stringify(['tone.wav']), 30_000);
    await page.getByTestId('media-friend').selectOption('self');
    await page.getByTestId('media-type').selectOption('');
    await eventually('only notes to self', async () => JSON.stringify(await names()) === JSON.stringify(['note.txt']), 30_000);
    await page.getByTestId('media-friend').selectOption('');
    await eventually('everything again', async () => (await names()).length === 3, 30_000);

    // Open: the audio preview loads (decrypted on demand through a media URL).
    await page.getByTestId(`media-${tone.transfer_id}`).getByTestId('media-open').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('audio[data-testid="media-preview"]') as HTMLAudioElement | null;
      return !!el && el.readyState >= 1 && Math.abs(el.duration - 1) < 0.05;
    }, undefined, { timeout: 15_000 });

    // Save: a download of exactly the bytes Alice sent, under the file's name.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId(`media-${tone.transfer_id}`).getByTestId('media-save').click()]);
    expect(download.suggestedFilename()).to.equal('tone.wav');
    const saved = await download.path();
    expect(Buffer.compare(fs.readFileSync(saved!), sound)).to.equal(0);

    // Delete: asked first (in the page), then gone from the page, the API and after a reload.
    await page.getByTestId(`media-${note.transfer_id}`).getByTestId('media-delete').click();
    await page.getByTestId(`media-${note.transfer_id}`).getByTestId('media-delete-confirm').click();
    await page.getByTestId(`media-${note.transfer_id}`).waitFor({ state: 'detached', timeout: 15_000 });
    expect((await bobHost.host.fetch(`/api/files/${note.transfer_id}`)).status).to.equal(404);
    await page.reload();
    await eventually('two left after a reload', async () => (await names()).length === 2, 30_000);
    expect(await names()).to.deep.equal(['red-dot.png', 'tone.wav']);
    await snap(page, 'files-media-page-filtered-saved-deleted');
  });

  it('a small image at its natural size, HTML only saved (never rendered), "none match" for an empty filter, Delete asked in the page', async () => {
    // A 320×240 PNG drawn in the page, sent by Alice.
    const small = await page.evaluate(() => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#2e86c1';
      g.fillRect(0, 0, 320, 240);
      return canvas.toDataURL('image/png').split(',')[1]!;
    });
    const picture = await alice.request<any>('POST', `/sessions/${bob.key}/files`, { name: 'small.png', mime: 'image/png', data_base64: small });
    const html = '<h1 id="rendered-html">rendered</h1><script>window.__htmlRan = true</script>';
    const webPage = await alice.request<any>('POST', `/sessions/${bob.key}/files`, { name: 'page.html', mime: 'text/html', data_base64: Buffer.from(html).toString('base64') });
    for (const id of [picture.transfer_id, webPage.transfer_id]) {
      await eventually(`Bob has ${id}`, async () => (await bob.request<any>('GET', `/files/${id}`)).state === 'complete');
    }
    await page.goto(`${bobHost.host.url}/media`);
    const pictureRow = page.getByTestId(`media-${picture.transfer_id}`);
    const htmlRow = page.getByTestId(`media-${webPage.transfer_id}`);
    await pictureRow.waitFor({ timeout: 30_000 });
    await htmlRow.waitFor({ timeout: 30_000 });

    // At most its natural size: not stretched to the page's width.
    await pictureRow.getByTestId('media-open').click();
    const preview = page.getByTestId('media-preview');
    await page.waitForFunction(() => (document.querySelector('[data-testid="media-preview"]') as HTMLImageElement | null)?.naturalWidth === 320, undefined, { timeout: 10_000 });
    const box = (await preview.boundingBox())!;
    expect([Math.round(box.width), Math.round(box.height)]).to.deep.equal([320, 240]);
    await snap(page, 'files-media-small-image');

    // HTML: no Open, a word that Kith does not show it, Save downloads its bytes, nothing of it renders.
    expect(await htmlRow.getByTestId('media-open').count()).to.equal(0);
    expect(await htmlRow.getByTestId('media-not-shown').innerText()).to.match(/does not show this type/);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), htmlRow.getByTestId('media-save').click()]);
    expect(download.suggestedFilename()).to.equal('page.html');
    expect(fs.readFileSync((await download.path())!, 'utf8')).to.equal(html);
    expect(await page.locator('#rendered-html').count()).to.equal(0);
    expect(await page.evaluate(() => (window as any).__htmlRan ?? false)).to.equal(false);
    expect(await page.locator('iframe[src*="page.html"]').count()).to.equal(0);

    // A filter nothing matches: not "No attachments yet".
    await page.getByTestId('media-friend').selectOption('self');
    await page.getByTestId('media-type').selectOption('video');
    await page.getByTestId('media-empty').filter({ hasText: 'No attachments match these filters.' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('media-friend').selectOption('');
    await page.getByTestId('media-type').selectOption('');
    await htmlRow.waitFor({ timeout: 30_000 });

    // Delete asks in the page with Cancel focused: Enter keeps the file, the focus goes back to Delete.
    await htmlRow.getByTestId('media-delete').click();
    await htmlRow.getByTestId('media-delete-cancel').waitFor({ timeout: 10_000 });
    await eventually('Cancel has the focus', () => htmlRow.getByTestId('media-delete-cancel').evaluate((el) => el === document.activeElement), 10_000);
    await page.keyboard.press('Enter');
    await eventually('back to Delete', () => htmlRow.getByTestId('media-delete').evaluate((el) => el === document.activeElement), 10_000);
    expect((await bobHost.host.fetch(`/api/files/${webPage.transfer_id}`)).status).to.equal(200);
    await htmlRow.getByTestId('media-delete').click();
    await htmlRow.getByTestId('media-delete-confirm').click();
    await htmlRow.waitFor({ state: 'detached', timeout: 15_000 });
    expect((await bobHost.host.fetch(`/api/files/${webPage.transfer_id}`)).status).to.equal(404);
  });
});
