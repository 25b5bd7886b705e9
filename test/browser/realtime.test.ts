import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../host/src/config.js';
import { createLogger } from '../../host/src/log.js';
import { startHost, type RunningHost } from '../../host/src/host.js';
import { ensureClientBuilt, launchBrowser, openPage, snap } from './harness.js';
import { needs } from '../support/needs.js';

const PASSPHRASE = 'live updates please';

/** The page's one socket: live events, lock from elsewhere, and a host restart with a new secret. */
describe('browser: real-time updates and reconnecting', function () {
  this.timeout(240_000);
  needs('chromium');
  let dataDir: string;
  let host: RunningHost | undefined;
  let browser: Browser;

  const start = (port: number) =>
    startHost({ config: loadConfig({}, { port, dataDir, noBrowser: true }), log: createLogger('silent'), clientDir: ensureClientBuilt() });

  before(async () => {
    ensureClientBuilt();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-rt-'));
    host = await start(0);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies host events live, follows a lock made elsewhere, and comes back after a host restart', async () => {
    const { page, errors } = await openPage(browser);
    const first = host!;
    await page.goto(first.url);
    await page.getByTestId('create-label').fill('Erin');
    await page.getByTestId('create-passphrase').fill(PASSPHRASE);
    await page.getByTestId('create-repeat').fill(PASSPHRASE);
    await page.getByTestId('create-submit').click();
    await page.getByTestId('mnemonic-written').click({ timeout: 30_000 });
    await page.getByTestId('mnemonic-confirm').click();
    await page.waitForURL('**/chats');
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-view="chat/chat.panel"]').waitFor({ timeout: 15_000 });

    // Another client turns chat off: the event removes the panel from this page without a reload.
    const marker = await page.evaluate(() => ((window as unknown as { kithMarker: number }).kithMarker = Math.random()));
    expect((await first.fetch('/api/extensions/chat', { method: 'POST', body: JSON.stringify({ enabled: false }) })).status).to.equal(200);
    await page.getByTestId('no-chat-panel').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { kithMarker: number }).kithMarker)).to.equal(marker);
    await first.fetch('/api/extensions/chat', { method: 'POST', body: JSON.stringify({ enabled: true }) });
    await page.locator('[data-view="chat/chat.panel"]').waitFor({ timeout: 10_000 });

    // Locked from elsewhere (another tab, the API): this page goes to the login gate.
    await first.fetch('/api/identity/lock', { method: 'POST', body: '{}' });
    await page.waitForURL('**/login', { timeout: 15_000 });
    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });

    // The host stops: the page shows it is reconnecting. Stopping locks the host first, so a page
    // that heard of the lock in time is at the login gate, which says so too.
    const port = first.port;
    await first.close();
    host = undefined;
    await page.locator('[aria-label="Live updates reconnecting"], [data-testid="login-host-lost"]').waitFor({ timeout: 15_000 });
    await snap(page, 'realtime-01-host-down');

    // It starts again on the same port with a new launch secret: the page reloads to get it.
    host = await start(port);
    expect(host.launchSecret).not.to.equal(first.launchSecret);
    await page.waitForFunction(
      (secret) => document.querySelector<HTMLMetaElement>('meta[name="kith-secret"]')?.content === secret,
      host.launchSecret,
      { timeout: 30_000 },
    );
    // A restarted host is locked: the page lands on the login gate and unlocks into a live page.
    await page.waitForURL('**/login', { timeout: 15_000 });
    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });
    await snap(page, 'realtime-02-after-restart');
    expect(errors).to.deep.equal([]);
  });
});
