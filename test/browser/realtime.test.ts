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
import { timeLimit } from '../support/time-limit.js';

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
    host = await timeLimit('starting the host', 60_000, start(0));
    browser = await timeLimit('launching Chromium', 60_000, launchBrowser());
  });
  after(async () => {
    await timeLimit('closing Chromium', 30_000, browser?.close() ?? Promise.resolve());
    await timeLimit('closing the host', 30_000, host?.close() ?? Promise.resolve());
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies host events live, follows a lock made elsewhere, and comes back after a host restart', async () => {
    const { page, errors } = await timeLimit('opening a page', 30_000, openPage(browser));
    const first = host!;
    await page.goto(first.url, { timeout: 30_000 });
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
    const off = await timeLimit('turning chat off', 15_000, first.fetch('/api/extensions/chat', { method: 'POST', body: JSON.stringify({ enabled: false }) }));
    expect(off.status).to.equal(200);
    await page.getByTestId('no-chat-panel').waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { kithMarker: number }).kithMarker)).to.equal(marker);
    await timeLimit('turning chat on', 15_000, first.fetch('/api/extensions/chat', { method: 'POST', body: JSON.stringify({ enabled: true }) }));
    await page.locator('[data-view="chat/chat.panel"]').waitFor({ timeout: 10_000 });

    // Locked from elsewhere (another tab, the API): this page goes to the login gate.
    await timeLimit('locking through the API', 15_000, first.fetch('/api/identity/lock', { method: 'POST', body: '{}' }));
    await page.waitForURL('**/login', { timeout: 15_000 });
    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });

    // The host stops: the page shows it is reconnecting. Stopping locks the host first, so a page
    // that heard of the lock in time is at the login gate, which says so too.
    const port = first.port;
    host = undefined;
    await timeLimit('stopping the host', 30_000, first.close());
    await page.locator('[aria-label="Live updates reconnecting"], [data-testid="login-host-lost"]').waitFor({ timeout: 15_000 });
    await snap(page, 'realtime-01-host-down');

    // It starts again on the same port with a new launch secret: the page reloads to get it.
    host = await timeLimit('restarting the host on its port', 60_000, start(port));
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
