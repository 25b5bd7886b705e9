/**
 * A third-party view uses the microphone and plays media from inside its sandboxed frame: the
 * frame has an origin of its own, the page delegates the microphone to it (its extension lists
 * the permission `media.capture`), its bytes reach its own route through the shell, and its media
 * URL plays across origins. The same view of an extension without the permission cannot capture,
 * though the page itself may.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ROOT, launchBrowser, openPage, snap, startTestHost, turnOnExtension, unlockNewPersona, type TestHost } from './harness.js';
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
    installWithoutCapture(path.join(ROOT, 'test/browser/fixtures/memo'), path.join(dataDir, 'extensions/mute'));
    kith = await startTestHost({ dataDir });
    await unlockNewPersona(kith.host, { slug: 'memo', label: 'Mo', passphrase: 'a memo from a frame' });
    const listed = await kith.host.fetch('/api/extensions').then((r) => r.json() as Promise<{ extensions: Array<{ id: string; enabled: boolean; awaitingConsent: boolean }> }>);
    expect(listed.extensions.find((e) => e.id === 'memo'), 'off until the user allows the microphone').to.include({ enabled: false, awaitingConsent: true });
    await turnOnExtension(kith.host, 'memo');
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

  it('gives no microphone to a view whose extension lacks media.capture, though the page has one', async () => {
    const { context, page } = await openPage(browser);
    await page.goto(`${kith.host.url}/mute`);
    const pageMay = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      stream.getTracks().forEach((t) => t.stop());
      return stream.getAudioTracks().length;
    });
    expect(pageMay, "the page's own grant").to.equal(1);
    const mute = page.frameLocator('iframe[data-kith-view="mute/mute.page"]').locator('mute-page');
    await mute.getByRole('button', { name: 'Record' }).click({ timeout: 30_000 });
    const status = mute.locator('[data-part="status"]');
    await status.filter({ hasText: /played|failed/ }).waitFor({ timeout: 30_000 });
    expect(await status.textContent()).to.match(/^failed: NotAllowedError/);
    // Not even by placing a frame of its own that asks for the microphone: its document's policy turns it off for every frame below.
    const nested = await mute.evaluate(async (element) => {
      const frame = document.createElement('iframe');
      frame.setAttribute('allow', 'microphone *');
      frame.srcdoc = '<p>inner</p>';
      element.append(frame);
      await new Promise((resolve) => (frame.onload = resolve));
      const inner = frame.contentWindow as (Window & typeof globalThis) | null;
      return inner!.navigator.mediaDevices.getUserMedia({ audio: true }).then(
        () => 'granted',
        (error: Error) => error.name,
      );
    });
    expect(nested).to.equal('NotAllowedError');
    await context.close();
  });
});

/** The memo fixture as `mute`: the same view, without the permission `media.capture`. */
function installWithoutCapture(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const file of fs.readdirSync(from)) {
    let text = fs.readFileSync(path.join(from, file), 'utf8').replaceAll('memo', 'mute').replaceAll('Memo', 'Mute');
    if (file === 'package.json') {
      const pkg = JSON.parse(text) as { kith: { permissions?: string[] } };
      delete pkg.kith.permissions;
      text = JSON.stringify(pkg);
    }
    fs.writeFileSync(path.join(to, file), text);
  }
}
