import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import type { Launched } from '../../tools/demo/launch.js';
import { ensurePackage, makeSandbox, startPackaged, type Sandbox } from '../../tools/package/sandbox.js';
import { launchBrowser, openPage } from '../browser/harness.js';
import { needs } from '../support/needs.js';

/** The page served from inside the executable boots in Chromium and takes a new user to the chats. */
describe('package: the UI of the single executable in a real browser', function () {
  this.timeout(180_000);
  needs('chromium');
  let sandbox: Sandbox;
  let app: Launched;
  let browser: Browser;

  before(async function () {
    this.timeout(600_000);
    ensurePackage();
    sandbox = makeSandbox();
    if (!sandbox.manifest.client) this.skip(); // `npm run package` warned: no client was built
    app = await startPackaged(sandbox, [], { KITH_PORT: '0' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    sandbox?.remove();
  });

  it('creates a persona through the page and reaches the live chats view', async () => {
    const { page, errors } = await openPage(browser);
    const passphrase = 'correct horse battery staple';
    await page.goto(`${app.url}/`);
    await page.waitForURL('**/login');
    await page.getByTestId('create-label').fill('Alice');
    await page.getByTestId('create-passphrase').fill(passphrase);
    await page.getByTestId('create-repeat').fill(passphrase);
    await page.getByTestId('create-submit').click();
    const words = page.getByTestId('mnemonic-words').locator('li .w');
    await words.first().waitFor({ timeout: 30_000 });
    expect(await words.count()).to.equal(24);
    await page.getByTestId('mnemonic-written').click();
    await page.getByTestId('mnemonic-confirm').click();
    await page.waitForURL('**/chats');
    await page.locator('[aria-label="Live updates connected"]').waitFor({ timeout: 15_000 });
    expect(errors).to.deep.equal([]);
  });
});
