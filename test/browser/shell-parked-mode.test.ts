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

  it('follows the switch flipped elsewhere: Settings and the mode control show it without a reload', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${alice.host.url}/settings`);
    const toggle = page.getByRole('switch', { name: 'Parked: listen for friends only in scheduled windows' });
    await toggle.waitFor({ timeout: 20_000 });
    expect(await toggle.getAttribute('aria-checked')).to.equal('false');
    // As the parked extension's own view or another tab does it: straight to the host.
    await api(alice, 'PUT', '/extensions/parked/settings/parked.on', { value: true });
    await waitUntil('Settings shows it on', async () => (await toggle.getAttribute('aria-checked')) === 'true');

    await page.locator('a[href="/connect"]').first().click();
    const parked = page.getByTestId('mode-parked');
    await parked.waitFor({ timeout: 20_000 });
    await waitUntil('the mode control shows Parked', async () => /mat-button-toggle-checked/.test((await parked.getAttribute('class')) ?? ''));
    await api(alice, 'PUT', '/extensions/parked/settings/parked.on', { value: false });
    await waitUntil('the mode control leaves Parked', async () => !/mat-button-toggle-checked/.test((await parked.getAttribute('class')) ?? ''));
    await page.locator('a[href="/settings"]').first().click();
    await toggle.waitFor({ timeout: 20_000 });
    expect(await toggle.getAttribute('aria-checked')).to.equal('false');
    await context.close();
  });
});
