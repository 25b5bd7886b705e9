import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, startTestHost, type TestHost } from './harness.js';
import { api, createPersona, waitUntil } from './shell-kit.js';

interface ExtensionsAnswer {
  extensions: { id: string; settings: Record<string, unknown> }[];
}

async function parkedSwitch(kith: TestHost): Promise<unknown> {
  const { extensions } = await api<ExtensionsAnswer>(kith, 'GET', '/extensions');
  return extensions.find((e) => e.id === 'parked')?.settings['parked.on'];
}

/**
 * Choosing Parked where the presence mode is chosen must do what Parked means (the parked extension
 * listens in scheduled windows), not only change a badge: the mode control flips the extension's switch.
 */
describe('browser (shell): the Parked mode control drives the parked extension', function () {
  this.timeout(120_000);
  needs('chromium');
  let alice: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    alice = await startTestHost();
    browser = await launchBrowser();
    await createPersona(alice, 'Alice');
  });
  after(async () => {
    await browser?.close();
    await alice?.close();
  });

  it('Parked turns the extension on, and Manual turns it off again', async () => {
    expect(await parkedSwitch(alice)).to.not.equal(true);
    const { page, context } = await openPage(browser);
    await page.goto(`${alice.host.url}/connect`);
    const parked = page.getByTestId('mode-parked');
    await parked.waitFor({ timeout: 20_000 });
    await parked.click();
    await waitUntil('parked.on is true', async () => (await parkedSwitch(alice)) === true);

    const status = await api<Record<string, unknown>>(alice, 'GET', '/connect/parked/status');
    expect(status).to.be.an('object');

    await page.getByTestId('mode-manual').click();
    await waitUntil('parked.on is false', async () => (await parkedSwitch(alice)) === false);
    await context.close();
  });
});
