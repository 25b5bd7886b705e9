/**
 * The 24 recovery words are not lost with a tab: while they are shown, closing or reloading the
 * tab asks first, and Settings shows them again for the passphrase (the vault holds them). The
 * passphrase is changed there too.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, startTestHost, type TestHost } from './harness.js';

const PASSPHRASE = 'correct horse battery staple';

describe('browser (shell): recovery words and passphrase in Settings', function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
  });

  it('asks before a reload drops the words, and shows the same words again in Settings for the passphrase', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(kith.host.url);
    await page.waitForURL('**/login');
    await page.getByTestId('create-label').fill('Alice');
    await page.getByTestId('create-passphrase').fill(PASSPHRASE);
    await page.getByTestId('create-repeat').fill(PASSPHRASE);
    await page.getByTestId('create-submit').click();
    const shown = page.getByTestId('mnemonic-words').locator('li .w');
    await shown.first().waitFor({ timeout: 30_000 });
    const words = (await shown.allTextContents()).map((w) => w.trim());

    // A reload now asks first; staying keeps the words on the page.
    const asked = new Promise<string>((resolve) => page.once('dialog', (dialog) => void dialog.dismiss().then(() => resolve(dialog.type()))));
    void page.reload().catch(() => undefined);
    expect(await asked).to.equal('beforeunload');
    expect((await shown.allTextContents()).map((w) => w.trim())).to.deep.equal(words);
    await page.getByTestId('mnemonic-written').click();
    await page.getByTestId('mnemonic-confirm').click();
    await page.waitForURL('**/chats');

    await page.locator('a[href="/settings"]').first().click();
    const card = page.getByTestId('persona-card');
    await card.getByTestId('words-passphrase').fill('not the passphrase');
    await card.getByRole('button', { name: 'Show the 24 words' }).click();
    expect(await card.getByTestId('persona-error').innerText()).to.match(/passphrase/i);
    await card.getByTestId('words-passphrase').fill(PASSPHRASE);
    await card.getByRole('button', { name: 'Show the 24 words' }).click();
    const again = card.getByTestId('recovery-words').locator('li');
    await again.first().waitFor();
    expect((await again.allTextContents()).map((w) => w.replace(/^\s*\d+\s*/, '').trim())).to.deep.equal(words);
    await card.getByRole('button', { name: 'Hide the words' }).click();
    await card.getByTestId('recovery-words').waitFor({ state: 'detached', timeout: 5_000 });
    await context.close();
  });

  it('changes the passphrase: a mismatch is refused in the page, the old one stops working', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${kith.host.url}/settings`);
    const card = page.getByTestId('persona-card');
    await card.getByTestId('old-passphrase').fill(PASSPHRASE);
    await card.getByTestId('new-passphrase').fill('a brand new passphrase');
    await card.getByTestId('new-passphrase-again').fill('a brand new passphrase!');
    await card.getByRole('button', { name: 'Change passphrase' }).click();
    expect(await card.getByTestId('persona-error').innerText()).to.contain('differ');
    await card.getByTestId('new-passphrase-again').fill('a brand new passphrase');
    await card.getByRole('button', { name: 'Change passphrase' }).click();
    await card.getByTestId('persona-notice').waitFor();
    const { slug } = ((await (await kith.host.fetch('/api/personas')).json()) as Array<{ slug: string }>)[0]!;
    const unlock = (passphrase: string) => kith.host.fetch('/api/identity/unlock', { method: 'POST', body: JSON.stringify({ slug, passphrase }) });
    expect((await unlock(PASSPHRASE)).status).to.equal(401);
    expect((await unlock('a brand new passphrase')).status).to.equal(200);
    await context.close();
  });

  it('offers a way back from "Add a persona" without adding one', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${kith.host.url}/login?add=1`);
    await page.getByTestId('login-back').click();
    await page.waitForURL('**/chats');
    await context.close();
  });
});
