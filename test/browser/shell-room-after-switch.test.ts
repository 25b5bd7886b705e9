/**
 * A persona switch leaves the room (presence belongs to the persona). Coming back to the persona
 * in the same tab brings back its room inputs and the room itself, as a reload of that tab would,
 * also when the Connect page stays open throughout (a QA walk found the fields empty and the
 * friend unreachable until a reload).
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestRendezvous, type TestRendezvous } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, startTestHost, type TestHost } from './harness.js';
import { api, createPersona, PASSPHRASE, waitUntil } from './shell-kit.js';

describe('browser (shell): the room after a persona switch and back', function () {
  this.timeout(120_000);
  needs('chromium');
  let kith: TestHost;
  let rendezvous: TestRendezvous;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startTestRendezvous();
    kith = await startTestHost();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
    await rendezvous?.close();
  });

  it('restores the inputs and rejoins the room when the persona comes back', async () => {
    const alice = await createPersona(kith, 'Alice');
    const work = await createPersona(kith, 'Alice Work');
    const activate = (slug: string) => api(kith, 'POST', '/identity/unlock', { slug, passphrase: PASSPHRASE, set_active: true });
    await activate(alice.slug);
    const { page, context } = await openPage(browser);
    await page.goto(`${kith.host.url}/connect`);
    await page.getByTestId('rendezvous-url').fill(rendezvous.url);
    await page.getByTestId('room-word').fill('switchback');
    await page.getByTestId('join').click();
    await page.getByTestId('joined').waitFor({ timeout: 20_000 });

    await activate(work.slug);
    await waitUntil('Alice Work\'s own (empty) room inputs', async () => (await page.getByTestId('room-word').inputValue().catch(() => 'x')) === '');
    expect(await page.getByTestId('joined').count()).to.equal(0);

    await activate(alice.slug);
    await page.getByTestId('joined').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('rendezvous-url').inputValue()).to.equal(rendezvous.url);
    expect(await page.getByTestId('room-word').inputValue()).to.equal('switchback');
    await context.close();
  });
});
