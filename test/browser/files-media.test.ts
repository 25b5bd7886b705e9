/**
 * The files extension in Chromium on two real hosts with a live session: a file Alice sends shows
 * on Bob's Media page, still there after a reload, and opens decrypted on demand (an image preview
 * that really decodes). Not covered here yet: drag-and-drop, pause/resume/cancel buttons and live
 * WebM playback (see extensions/files/README.md).
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { befriend, connect, eventually, type TestPeer } from '@kith/sdk/testing';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';

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
});
