/**
 * A third-party view uses the microphone and plays media from inside its sandboxed frame: the
 * frame has an origin of its own, the page delegates the microphone to it, its bytes reach its
 * own route through the shell, and its media URL plays across origins.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ROOT, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

const MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

describe('browser: media inside a third-party view frame', function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-frame-media-'));
    fs.cpSync(path.join(ROOT, 'test/browser/fixtures/memo'), path.join(dataDir, 'extensions/memo'), { recursive: true });
    kith = await startTestHost({ dataDir });
    const persona = { slug: 'memo', label: 'Mo', passphrase: 'a memo from a frame' };
    const json = { 'content-type': 'application/json' };
    expect((await kith.host.fetch('/api/personas', { method: 'POST', body: JSON.stringify(persona), headers: json })).status).to.be.below(300);
    const unlock = { slug: persona.slug, passphrase: persona.passphrase, set_active: true };
    expect((await kith.host.fetch('/api/identity/unlock', { method: 'POST', body: JSON.stringify(unlock), headers: json })).status).to.be.below(300);
    browser = await launchBrowser(MEDIA_ARGS);
  });
  after(async () => {
    await browser?.close();
    const dataDir = kith?.dataDir;
    await kith?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('records from the microphone, uploads the clip to its route and plays it from a media URL', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${kith.host.url}/memo`);
    const memo = page.frameLocator('iframe[data-kith-view="memo/memo.page"]').locator('memo-page');
    await memo.getByRole('button', { name: 'Record' }).click({ timeout: 30_000 });
    const status = memo.locator('[data-part="status"]');
    await status.filter({ hasText: /played|failed/ }).waitFor({ timeout: 30_000 });
    const text = (await status.textContent()) ?? '';
    expect(text).to.match(/^played \d+ bytes of audio\/webm, with a duration$/);
    expect(Number(/played (\d+)/.exec(text)![1]), 'a real recording').to.be.above(1000);
    await snap(page, 'frame-media-memo');
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
