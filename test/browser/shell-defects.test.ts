import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { api, createPersona } from './shell-kit.js';

/** Regression tests for the shell defects of issue #19 that need no second peer's session. */
describe('browser (shell): issue #19 defects stay fixed', function () {
  this.timeout(180_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    [alice, bob] = await Promise.all([startTestHost(), startTestHost()]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('the Create form says the truth about the label: a friend receives it when pairing', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${alice.host.url}/login`);
    await page.getByTestId('create-label').waitFor({ timeout: 20_000 });
    const hint = (await page.locator('kith-create-persona-form mat-hint').first().textContent())!.trim();
    expect(hint).to.not.match(/only you/i);
    expect(hint).to.match(/friends .*receive/i);
    await context.close();

    // And it is true: the persona's label is what a new friend gets when pairing without naming us.
    await createPersona(alice, 'Alice Label');
    await createPersona(bob, 'Bob');
    const { code } = await api<{ code: string }>(alice, 'POST', '/pair/start', { rendezvous_url: rendezvous.url, label: '' });
    await api(bob, 'POST', '/pair/start', { rendezvous_url: rendezvous.url, label: '', code });
    const [, atBob] = await Promise.all([
      api(alice, 'POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: '' }),
      api<{ friend: { label: string } }>(bob, 'POST', '/pair/wait', { rendezvous_url: rendezvous.url, code, label: '' }),
    ]);
    expect(atBob.friend.label).to.equal('Alice Label');
  });

  it('at 360 px every way to pair fits, "Join with code" included, and it works from there', async () => {
    const { page, context } = await openPage(browser, 360, 780);
    await page.goto(`${alice.host.url}/connect`);
    const pair = page.getByTestId('pair-friend');
    await pair.waitFor({ timeout: 20_000 });
    const clipped = await pair.locator('mat-button-toggle').evaluateAll((toggles) =>
      toggles.flatMap((t) => {
        const label = t.querySelector('.mat-button-toggle-label-content') as HTMLElement;
        const box = t.getBoundingClientRect();
        const cut = label.scrollWidth > label.clientWidth + 1 || box.right > document.documentElement.clientWidth + 1 || box.left < -1;
        return cut ? [`${label.textContent?.trim()} (${Math.round(box.left)}..${Math.round(box.right)}, text ${label.scrollWidth}/${label.clientWidth})`] : [];
      }));
    expect(clipped, 'cut-off pairing choices').to.deep.equal([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).to.equal(true);
    await pair.getByRole('radio', { name: 'Join with code' }).click();
    await pair.getByLabel('Their code (number and four words)').waitFor();
    await snap(page, 'shell-defects-join-with-code-360');
    await context.close();
  });

  it('shows a friend\'s safety number again from the conversation, the same on both sides, and marks them verified', async () => {
    // (Alice and Bob are friends since the first test.)
    const friendsOfAlice = await api<{ master_pubkey: string; verified: boolean }[]>(alice, 'GET', '/friends');
    const bobKey = friendsOfAlice[0]!.master_pubkey;
    const aliceKey = (await api<{ master_pubkey: string }[]>(bob, 'GET', '/friends'))[0]!.master_pubkey;
    const read = async (kith: TestHost, peer: string) => {
      const { page, context } = await openPage(browser, 1280, 860);
      await page.goto(`${kith.host.url}/chats?peer=${peer}`);
      await page.getByTestId('friend-details').click();
      const number = page.getByTestId('safety-number');
      await page.waitForFunction(() => /^(\d{5} ){11}\d{5}$/.test(document.querySelector('[data-testid="safety-number"]')?.textContent?.trim() ?? ''));
      return { page, context, number: (await number.textContent())!.trim() };
    };
    const atAlice = await read(alice, bobKey);
    const atBob = await read(bob, aliceKey);
    expect(atAlice.number).to.equal(atBob.number);
    await snap(atAlice.page, 'shell-defects-friend-details');
    await atAlice.page.getByTestId('mark-verified').click();
    await atAlice.page.getByTestId('friend-verified').getByText('Verified', { exact: true }).waitFor();
    const after = await api<{ master_pubkey: string; verified: boolean }[]>(alice, 'GET', '/friends');
    expect(after.find((f) => f.master_pubkey === bobKey)?.verified).to.equal(true);
    await Promise.all([atAlice.context.close(), atBob.context.close()]);
  });
});

