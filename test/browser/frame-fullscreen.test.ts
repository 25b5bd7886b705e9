/**
 * A third party's view gone full screen (test/browser/fixtures/postcards) hides all of Kith around
 * it, so what it draws could pass for Kith's own. The page shows a notice above it naming the
 * extension; the frame cannot get above the notice, not even by entering full screen again.
 */
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { snap } from './harness.js';
import { startPostcardsRig, type PostcardsRig } from './postcards-kit.js';
import { needs } from '../support/needs.js';

describe("browser: a third party's view full screen", function () {
  this.timeout(240_000);
  needs('chromium');
  let rig: PostcardsRig;
  let page: Page;
  const postcards = (): FrameLocator => page.frameLocator('iframe[data-kith-view="postcards/postcards.page"]');

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    rig = await startPostcardsRig('Fay');
    ({ page } = rig);
    await page.goto(`${rig.kith.host.url}/postcards`);
    await postcards().locator('postcards-page [data-part="count"]').waitFor({ timeout: 30_000 });
  });
  afterEach(async function () {
    await rig?.snapIfFailed(this.currentTest, 'frame-fullscreen');
  });
  after(async () => rig?.close());

  const noticeOpen = () => page.evaluate(() => document.querySelector('[data-testid="fullscreen-notice"]')?.matches(':popover-open') ?? false);
  /**
   * Whether the notice is what the screen shows where it is: the screen there with it and with it
   * taken away for a moment differ (the frame drawn over it would look the same either way).
   */
  const noticeSeen = async () => {
    const box = (await page.getByTestId('fullscreen-notice').boundingBox())!;
    const withIt = await page.screenshot({ clip: box });
    await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="fullscreen-notice"]')!.style.setProperty('visibility', 'hidden'));
    const without = await page.screenshot({ clip: box });
    await page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="fullscreen-notice"]')!.style.removeProperty('visibility'));
    return !withIt.equals(without);
  };
  const fullscreenView = () => page.evaluate(() => (document.fullscreenElement as HTMLElement | null)?.dataset['kithView'] ?? null);

  it("shows, above the full-screen frame, whose it is; the frame cannot cover it; Kith's message for it ends full screen first; leaving full screen takes it away", async () => {
    expect(await noticeOpen()).to.equal(false);
    await postcards().getByRole('button', { name: 'Full screen', exact: true }).click();
    await page.waitForFunction(() => document.fullscreenElement instanceof HTMLIFrameElement, undefined, { timeout: 10_000 });
    expect(await fullscreenView()).to.equal('postcards/postcards.page');
    const notice = page.getByTestId('fullscreen-notice');
    await page.waitForFunction(() => document.querySelector('[data-testid="fullscreen-notice"]')?.matches(':popover-open'), undefined, { timeout: 10_000 });
    // Kith's words first; the name (the extension's choice) isolated within them.
    await page.waitForFunction(() => (document.querySelector('[data-testid="fullscreen-notice"]')?.textContent ?? '') !== '', undefined, { timeout: 10_000 });
    expect(await notice.textContent()).to.equal('Not Kith: the extension “Postcards” is full screen. Kith never asks for your passphrase or recovery words here. Esc leaves full screen.');
    expect(await notice.locator('bdi').textContent()).to.equal('Postcards');
    expect(await notice.getAttribute('role')).to.equal('status');
    expect(await noticeSeen(), 'the notice over the frame').to.equal(true);
    await snap(page, 'frame-fullscreen-01-notice');

    // Full screen again, on the part of the view that spoofs Kith's lock screen: still under the notice.
    await postcards().getByRole('button', { name: 'Full screen again' }).click();
    await postcards().locator('[data-part="spoof"]').evaluate((spoof) => new Promise<void>((resolve, reject) => {
      const until = Date.now() + 10_000;
      const check = () => (document.fullscreenElement === spoof ? resolve() : Date.now() > until ? reject(new Error('not full screen')) : setTimeout(check, 50));
      check();
    }));
    expect(await fullscreenView()).to.equal('postcards/postcards.page');
    expect(await noticeSeen(), 'the notice over the frame after it went full screen again').to.equal(true);

    // Kith's own message over the frame's screen could pass for Kith speaking there: the frame leaves full screen first.
    // (The spoofing part is full screen over the button: the view calls notify as it likes, no click needed.)
    await postcards().getByRole('button', { name: 'Notify' }).evaluate((button: HTMLElement) => button.click());
    await page.waitForFunction(() => document.fullscreenElement === null, undefined, { timeout: 10_000 });
    const toast = page.locator('simple-snack-bar').filter({ hasText: 'Kith is locked for your safety' }).first();
    await toast.waitFor({ timeout: 10_000 });
    // A third party's words come headed with its name, never as Kith's own.
    expect((await toast.innerText()).trim()).to.match(/^Extension “Postcards”: Kith is locked for your safety/);
    await page.waitForFunction(() => !document.querySelector('[data-testid="fullscreen-notice"]')?.matches(':popover-open'), undefined, { timeout: 10_000 });

    // Again, then leaving full screen takes the notice away.
    await postcards().getByRole('button', { name: 'Full screen', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="fullscreen-notice"]')?.matches(':popover-open'), undefined, { timeout: 10_000 });
    await page.evaluate(() => document.exitFullscreen());
    await page.waitForFunction(() => document.fullscreenElement === null, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => !document.querySelector('[data-testid="fullscreen-notice"]')?.matches(':popover-open'), undefined, { timeout: 10_000 });
  });
});
