/**
 * `UiHost.openDialog` (API 1.7) in Chromium, from a third-party frame (test/browser/fixtures/postcards):
 * its `dialog` view shows in a modal titled with the extension's name, gets the context, and
 * hands back what it closes with; Escape and Close dismiss it, and it cannot come straight back;
 * one dialog at a time; only in answer to the user in its own view; only its own views of slot
 * `dialog`; a result over 64 KiB comes back as nothing; turning the extension off closes it.
 */
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { snap, type TestHost } from './harness.js';
import { startPostcardsRig, type PostcardsRig } from './postcards-kit.js';
import { api } from './shell-kit.js';
import { needs } from '../support/needs.js';

describe('browser: extension dialogs', function () {
  this.timeout(240_000);
  needs('chromium');
  let rig: PostcardsRig;
  let kith: TestHost;
  let page: Page;
  const postcards = (): FrameLocator => page.frameLocator('iframe[data-kith-view="postcards/postcards.page"]');
  const compose = (): FrameLocator => page.getByRole('dialog').frameLocator('iframe[data-kith-view="postcards/postcards.compose"]');
  const part = (name: string) => postcards().locator(`postcards-page [data-part="${name}"]`);

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    rig = await startPostcardsRig('Dee');
    ({ kith, page } = rig);
    await page.goto(`${kith.host.url}/postcards`);
    await part('count').waitFor({ timeout: 30_000 });
  });
  afterEach(async function () {
    await rig?.snapIfFailed(this.currentTest, 'extension-dialogs');
  });
  after(async () => rig?.close());

  it('refuses a dialog that is not in answer to the user in its own view, and a view that is not one of its dialogs', async () => {
    await part('unasked').filter({ hasText: 'KITH_ERR_FORBIDDEN' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('dialog').count()).to.equal(0);
    await postcards().getByRole('button', { name: 'Open a card as a dialog' }).click();
    await part('dialog').filter({ hasText: 'KITH_ERR_BAD_REQUEST' }).waitFor({ timeout: 30_000 });
    // A click in its view, then one in Kith's own page before the dialog is asked for: the user
    // is now elsewhere, so the click in the page does not open the extension's dialog.
    await postcards().getByRole('button', { name: 'Write in 2 s' }).click();
    await page.locator('h1, header, .toolbar, body').first().click({ position: { x: 600, y: 40 } });
    await part('later').filter({ hasText: 'KITH_ERR_FORBIDDEN' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('dialog').count()).to.equal(0);
  });

  it('shows its view in a modal titled with its name and marked as an extension\'s, one at a time, and hands back what the view closes with', async () => {
    await postcards().getByRole('button', { name: 'Write', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('extension-dialog-title').innerText()).to.equal('Postcards: Write a postcard');
    expect(await page.getByTestId('extension-dialog-origin').innerText()).to.match(/An extension's window, not Kith's own$/);
    await compose().locator('postcards-compose [data-part="to"]').filter({ hasText: 'To self' }).waitFor({ timeout: 30_000 });
    // The second open in the same click: one dialog of an extension at a time.
    await part('second').filter({ hasText: 'KITH_ERR_CONFLICT' }).waitFor({ timeout: 30_000 });
    await snap(page, 'extension-dialogs-01-open');
    await compose().getByRole('textbox', { name: 'Postcard text' }).fill('greetings from the frame');
    await compose().getByRole('button', { name: 'Send' }).click();
    await part('dialog').filter({ hasText: 'sent greetings from the frame' }).waitFor({ timeout: 30_000 });
    expect(await dialog.count()).to.equal(0);
  });

  it('closes the dialog when its extension is turned off', async () => {
    await postcards().getByRole('button', { name: 'Write', exact: true }).click();
    await compose().locator('postcards-compose [data-part="to"]').waitFor({ timeout: 30_000 });
    await api(kith, 'POST', '/extensions/postcards', { enabled: false });
    await page.getByRole('dialog').waitFor({ state: 'detached', timeout: 30_000 });
    await api(kith, 'POST', '/extensions/postcards', { enabled: true });
    await page.reload();
    await part('count').waitFor({ timeout: 30_000 });
  });

  it('resolves with nothing when the user dismisses it or the result is over 64 KiB; a dismissed dialog cannot come straight back', async () => {
    const dismissWith = async (how: 'Too big' | 'Escape' | 'Close') => {
      await part('dialog').evaluate((el) => (el.textContent = ''));
      await part('insist').evaluate((el) => (el.textContent = ''));
      await postcards().getByRole('button', { name: 'Write', exact: true }).click();
      await compose().locator('postcards-compose [data-part="to"]').filter({ hasText: 'To self' }).waitFor({ timeout: 30_000 });
      // The dialog takes the focus once it has opened (its frame may show before): Escape goes to it then.
      await page.waitForFunction(() => document.activeElement?.closest('mat-dialog-container') != null, null, { timeout: 30_000 });
      if (how === 'Escape') await page.keyboard.press('Escape');
      else if (how === 'Close') await page.getByTestId('extension-dialog-close').click();
      else await compose().getByRole('button', { name: 'Too big' }).click();
      await part('dialog').filter({ hasText: 'dismissed' }).waitFor({ timeout: 30_000 });
    };
    await dismissWith('Too big');
    // Closed by the extension itself, not by the user: it may open again at once (the fixture does).
    await compose().locator('postcards-compose [data-part="to"]').filter({ hasText: 'To again' }).waitFor({ timeout: 30_000 });
    await compose().getByRole('button', { name: 'Send' }).click();
    await part('insist').filter({ hasText: /^sent/ }).waitFor({ timeout: 30_000 });
    await dismissWith('Escape');
    // The fixture opens it again the moment it is dismissed: refused, and nothing on screen.
    await part('insist').filter({ hasText: 'KITH_ERR_FORBIDDEN' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('dialog').count()).to.equal(0);
    // Even a new click in its view, within the quiet spell after a dismissal, opens nothing.
    await postcards().getByRole('button', { name: 'Write', exact: true }).click();
    await part('dialog').filter({ hasText: 'KITH_ERR_FORBIDDEN' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(6_500);
    await dismissWith('Close');
    await part('insist').filter({ hasText: 'KITH_ERR_FORBIDDEN' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('dialog').count()).to.equal(0);
    expect(rig.errors).to.deep.equal([]);
  });
});
