import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';

const PASSPHRASE = 'correct horse battery staple';

async function noHorizontalOverflow(page: Page): Promise<void> {
  const { scroll, client, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`),
  }));
  expect(scroll, `page scrolls sideways; too wide: ${wide.join(', ')}`).to.be.at.most(client);
}

/** The login gate in a real browser against a real host: create, see the mnemonic once, lock, unlock. */
describe('browser: login gate', function () {
  this.timeout(180_000);
  let kith: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    browser = await launchBrowser();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const context of browser.contexts()) for (const page of context.pages()) await snap(page, `FAILED-login-${Date.now()}`);
    }
    for (const context of browser.contexts()) await context.close();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
  });

  it('creates a persona, shows its 24 words once, locks and unlocks', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url);
    await page.waitForURL('**/login');
    await page.getByTestId('create-label').fill('Alice');
    await page.getByTestId('create-passphrase').fill(PASSPHRASE);
    await page.getByTestId('create-repeat').fill(PASSPHRASE + 'x');
    await page.getByTestId('create-submit').click();
    await page.getByText('The two passphrases differ.').waitFor();
    await page.getByTestId('create-repeat').fill(PASSPHRASE);
    await snap(page, 'login-01-create');
    await page.getByTestId('create-submit').click();

    // The mnemonic, once.
    const words = page.getByTestId('mnemonic-words').locator('li .w');
    await words.first().waitFor({ timeout: 30_000 });
    const mnemonic = (await words.allTextContents()).map((w) => w.trim());
    expect(mnemonic).to.have.length(24);
    for (const word of mnemonic) expect(word).to.match(/^[a-z]+$/);
    await snap(page, 'login-02-mnemonic');
    expect(await page.getByTestId('mnemonic-confirm').isDisabled()).to.equal(true);
    await page.getByTestId('mnemonic-written').click();
    await page.getByTestId('mnemonic-confirm').click();
    await page.waitForURL('**/chats');
    await page.getByRole('heading', { name: 'Room', exact: true }).waitFor();
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });
    await snap(page, 'login-03-chats');

    // Never again: not in the page, not in any API answer.
    expect(await page.content()).not.to.contain(mnemonic.join(' '));
    const personas = await (await kith.host.fetch('/api/personas')).text();
    const state = await (await kith.host.fetch('/api/identity/state')).text();
    expect(personas + state).not.to.contain(mnemonic[0] + ' ' + mnemonic[1]);

    // Sign out locks the host.
    await page.getByTestId('persona-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/login');
    const locked = (await (await kith.host.fetch('/api/identity/state')).json()) as { locked: boolean };
    expect(locked.locked).to.equal(true);
    expect((await kith.host.fetch('/api/extensions')).status).to.equal(423);
    // The mnemonic page is gone for good.
    expect(await page.getByTestId('mnemonic-words').count()).to.equal(0);

    // Wrong passphrase: a clear error, still locked. Keyboard only: type and press Enter.
    await page.getByTestId('unlock-passphrase').fill('not the passphrase');
    await page.keyboard.press('Enter');
    await page.getByTestId('unlock-error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('unlock-error').textContent()).to.match(/passphrase/i);
    await snap(page, 'login-04-wrong-passphrase');

    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/chats', { timeout: 30_000 });
    const unlocked = (await (await kith.host.fetch('/api/identity/state')).json()) as { locked: boolean };
    expect(unlocked.locked).to.equal(false);
    expect(await page.getByTestId('persona-menu').textContent()).to.contain('Alice');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('fits a 360 px wide screen without sideways scrolling', async () => {
    const { context, page } = await openPage(browser, 360, 780);
    await page.goto(kith.host.url + '/chats');
    await page.getByRole('heading', { name: 'Room', exact: true }).waitFor();
    await snap(page, 'narrow-01-chats');
    await noHorizontalOverflow(page);
    await page.goto(kith.host.url + '/extensions');
    await page.getByRole('heading', { name: 'Extensions', exact: true }).waitFor();
    await snap(page, 'narrow-02-extensions');
    await noHorizontalOverflow(page);
    await page.getByTestId('persona-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/login');
    await page.getByTestId('unlock-passphrase').waitFor();
    await snap(page, 'narrow-03-login');
    await noHorizontalOverflow(page);
    await context.close();
  });
});
