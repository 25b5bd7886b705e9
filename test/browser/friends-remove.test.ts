/**
 * Removing a friend cannot be undone (only a new pairing brings them back), so Settings asks
 * first and says what it does: the safe answer has the focus, Cancel keeps the friend, and the
 * choice to be removed from their list too is made in the question, not by a default elsewhere.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { befriend, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage } from './harness.js';

describe('browser (pairing): removing a friend asks first', function () {
  this.timeout(180_000);
  needs('chromium');
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let browser: Browser;
  const friendsOf = async (host: TestHost) => (await host.request<Array<{ label: string }>>('GET', '/friends')).map((f) => f.label);

  before(async () => {
    const env = { KITH_CLIENT_DIR: ensureClientBuilt() };
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice', env }), startTestHost({ name: 'Bob', env })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('explains, focuses Cancel, keeps the friend on Cancel, and removes only on the second yes', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${alice.url}/settings`);
    const friends = page.getByTestId('friends');
    const bobName = (await friendsOf(alice))[0]!;
    await friends.getByRole('button', { name: `Remove ${bobName}` }).click();
    const question = friends.getByTestId('remove-confirm');
    expect(await question.innerText()).to.contain(`Remove ${bobName}?`).and.contain('stay sealed on this device');
    const cancel = question.getByRole('button', { name: 'Cancel' });
    expect(await cancel.evaluate((button) => button === document.activeElement)).to.equal(true);
    await page.keyboard.press('Enter'); // a stray Enter answers Cancel
    await question.waitFor({ state: 'detached' });
    expect(await friendsOf(alice)).to.deep.equal([bobName]);

    await friends.getByRole('button', { name: `Remove ${bobName}` }).click();
    await question.getByRole('checkbox').uncheck();
    await question.getByRole('button', { name: `Remove ${bobName}` }).click();
    await friends.getByText('No friends yet').waitFor({ timeout: 10_000 });
    expect(await friendsOf(alice)).to.deep.equal([]);
    expect((await friendsOf(bob)).length, 'not removed from their list: the box was unticked').to.equal(1);
    await context.close();
  });
});
