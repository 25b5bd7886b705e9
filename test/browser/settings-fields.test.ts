/**
 * The Settings page offers each extension's number setting within what its manifest declares:
 * the range as the input's min and max, a step of 1 for a whole number; a value the host refuses
 * shows the host's sentence beside the field, and the stored value stays.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, startTestHost, type TestHost } from './harness.js';
import { api, createPersona } from './shell-kit.js';

describe('browser (shell): number settings within their declared rules', function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    await createPersona(kith, 'Alice');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
  });

  it('offers the range and the step, and shows the refusal of a fraction', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${kith.host.url}/settings`);
    const ring = page.getByLabel('Ring for (seconds) before a call counts as missed');
    await ring.waitFor({ timeout: 20_000 });
    expect(await ring.evaluate((input: HTMLInputElement) => [input.min, input.max, input.step])).to.deep.equal(['1', '120', '1']);
    await ring.fill('2.5');
    await ring.press('Enter');
    await ring.blur();
    const field = page.locator('kith-setting-field').filter({ has: ring });
    expect(await field.getByRole('alert').textContent({ timeout: 10_000 })).to.equal('Setting "calls.ring-timeout-s" must be a whole number from 1 to 120');
    const listed = await api<{ extensions: { id: string; settings: Record<string, unknown> }[] }>(kith, 'GET', '/extensions');
    expect(listed.extensions.find((e) => e.id === 'calls')?.settings['calls.ring-timeout-s'], 'the stored value stays').to.equal(30);
    await context.close();
  });
});
