import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';

const PASSPHRASE = 'correct horse battery staple';

async function waitForValue(page: Page, testId: string, value: string): Promise<void> {
  await page.waitForFunction(
    ([id, v]) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | null)?.value === v,
    [testId, value] as const,
    { timeout: 10_000 },
  );
}

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

/** Counts the page's API calls in flight (the live socket aside), to know when a route has its data. */
function trackApiCalls(page: Page): () => number {
  let inFlight = 0;
  const isApi = (url: string) => url.includes('/api/') && !url.includes('/socket.io/');
  page.on('request', (r) => { if (isApi(r.url())) inFlight++; });
  const done = (r: { url(): string }) => { if (isApi(r.url())) inFlight--; };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  return () => inFlight;
}

/**
 * The accessibility tree once the route has settled: no API call in flight and the same tree on
 * two reads a frame apart (a route renders in steps as its data arrives).
 */
async function settledAriaTree(page: Page, apiCallsInFlight: () => number): Promise<string> {
  const deadline = Date.now() + 15_000;
  let previous = '';
  for (;;) {
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const tree = apiCallsInFlight() === 0 ? await page.locator('body').ariaSnapshot() : '';
    if (tree && tree === previous) return tree;
    if (Date.now() > deadline) throw new Error(`the page never settled (${apiCallsInFlight()} API calls in flight)`);
    previous = tree;
  }
}

/** The login gate in a real browser against a real host: create, see the mnemonic once, lock, unlock. */
describe('browser: login gate', function () {
  this.timeout(180_000);
  needs('chromium');
  let browser: Browser;
  // Each test starts its own hosts, so any one of them runs alone (--grep).
  let hosts: TestHost[] = [];

  /** A fresh host with no persona. */
  async function newHost(): Promise<TestHost> {
    const kith = await startTestHost();
    hosts.push(kith);
    return kith;
  }

  /** A fresh host where Alice was created through the API: unlocked and active. Returns her 24 words too. */
  async function hostWithAlice(): Promise<{ kith: TestHost; mnemonic: string }> {
    const kith = await newHost();
    const res = await kith.host.fetch('/api/personas', { method: 'POST', body: JSON.stringify({ label: 'Alice', passphrase: PASSPHRASE }) });
    expect(res.status, await res.clone().text()).to.equal(201);
    return { kith, mnemonic: ((await res.json()) as { mnemonic: string }).mnemonic };
  }

  before(async () => {
    ensureClientBuilt();
    browser = await launchBrowser();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const context of browser.contexts()) for (const page of context.pages()) await snap(page, `FAILED-login-${Date.now()}`);
    }
    for (const context of browser.contexts()) await context.close();
    await Promise.allSettled(hosts.map((h) => h.close()));
    hosts = [];
  });
  after(async () => {
    await browser?.close();
  });

  it('creates a persona, shows its 24 words once, locks and unlocks', async () => {
    const kith = await newHost();
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url);
    await page.waitForURL('**/login');
    // The first start opens on Create, with the cursor in the Label field.
    await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset['testid'] === 'create-label', undefined, { timeout: 5_000 });
    await page.keyboard.type('Alice');
    expect(await page.getByTestId('create-label').inputValue()).to.equal('Alice');
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
    await page.getByRole('heading', { name: 'Conversations', exact: true, level: 2 }).waitFor();
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

  it('restores the persona from its 24 words on another instance (same identity)', async () => {
    const { kith, mnemonic } = await hostWithAlice();
    const other = await newHost();
    const { page } = await openPage(browser);
    await page.goto(other.host.url);
    await page.waitForURL('**/login');
    await page.getByRole('tab', { name: 'Restore' }).click();
    await page.getByTestId('restore-mnemonic').fill(mnemonic.split(' ').join('  ').toUpperCase());
    await page.getByTestId('restore-label').fill('Alice again');
    await page.getByTestId('restore-passphrase').fill(PASSPHRASE);
    await snap(page, 'login-07-restore');
    await page.getByTestId('restore-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    type P = { label: string; master_pubkey: string };
    const original = ((await (await kith.host.fetch('/api/personas')).json()) as P[]).find((p) => p.label === 'Alice');
    const restored = ((await (await other.host.fetch('/api/personas')).json()) as P[]).find((p) => p.label === 'Alice again');
    expect(restored?.master_pubkey).to.be.a('string').and.equal(original?.master_pubkey);
  });

  it('adds a second persona from the menu and switches between them', async () => {
    const { kith } = await hostWithAlice();
    const { page } = await openPage(browser);
    await page.goto(kith.host.url + '/connect');
    // Room inputs are kept per persona.
    await page.getByTestId('rendezvous-url').fill('http://alice.example');
    await page.getByTestId('persona-menu').click();
    await page.getByRole('menuitem', { name: 'Add a persona' }).click();
    await page.waitForURL('**/login?add=1');
    await page.getByTestId('create-label').fill('Work');
    await page.getByTestId('create-passphrase').fill(PASSPHRASE + ' work');
    await page.getByTestId('create-repeat').fill(PASSPHRASE + ' work');
    await page.getByTestId('create-submit').click();
    await page.getByTestId('mnemonic-written').click({ timeout: 30_000 });
    await page.getByTestId('mnemonic-confirm').click();
    await page.waitForURL('**/chats');
    await page.getByTestId('persona-menu').filter({ hasText: 'Work' }).waitFor();
    await page.getByRole('tab', { name: 'Connect' }).click();
    expect(await page.getByTestId('rendezvous-url').inputValue()).to.equal('');

    // Alice is still unlocked: switching back needs no passphrase.
    await page.getByTestId('persona-menu').click();
    await page.getByRole('menuitem', { name: 'Alice' }).click();
    await page.getByTestId('persona-menu').filter({ hasText: 'Alice' }).waitFor();
    await page.getByRole('tab', { name: 'Connect' }).click();
    await waitForValue(page, 'rendezvous-url', 'http://alice.example');
    const state = (await (await kith.host.fetch('/api/identity/state')).json()) as { active_slug: string; personas: { slug: string; label: string }[] };
    expect(state.personas.find((p) => p.slug === state.active_slug)?.label).to.equal('Alice');
    await page.getByTestId('persona-menu').click();
    await snap(page, 'login-05-persona-menu');
    await page.keyboard.press('Escape');

    // After a sign-out only Alice is unlocked again: switching to Work asks for Work's passphrase.
    await page.getByTestId('persona-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/login');
    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE);
    await page.getByTestId('unlock-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    await page.getByTestId('persona-menu').click();
    await page.getByRole('menuitem', { name: 'Work' }).click();
    await page.waitForURL('**/login?switch=*');
    expect(await page.getByTestId('unlock-persona').textContent()).to.contain('Work');
    await page.getByTestId('unlock-passphrase').fill(PASSPHRASE + ' work');
    await page.getByTestId('unlock-submit').click();
    await page.waitForURL('**/chats', { timeout: 30_000 });
    await page.getByTestId('persona-menu').filter({ hasText: 'Work' }).waitFor();
  });

  it('names every control for screen readers and works from the keyboard', async () => {
    const { kith } = await hostWithAlice();
    const { page } = await openPage(browser);
    const apiCallsInFlight = trackApiCalls(page);
    for (const route of ['/chats', '/connect', '/extensions', '/diagnostics', '/settings']) {
      await page.goto(kith.host.url + route);
      await page.locator('main h1, main h2').first().waitFor();
      const tree = await settledAriaTree(page, apiCallsInFlight);
      const unnamed = tree.split('\n').filter((line) => /^\s*- (button|link|textbox|switch|checkbox|combobox|tab|radio|menuitem)\s*(\[[^\]]*\])?\s*:?\s*$/.test(line));
      expect(unnamed, `unnamed controls on ${route}`).to.deep.equal([]);
    }
    // Keyboard only: the first Tab reaches the skip link, then the navigation; arrows move, Enter opens.
    await page.goto(kith.host.url + '/chats');
    await page.getByRole('heading', { name: 'Conversations', exact: true, level: 2 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.equal('Skip to content');
    let guard = 0;
    while (!(await page.evaluate(() => document.activeElement?.getAttribute('role') === 'tab')) && guard++ < 15) {
      await page.keyboard.press('Tab');
    }
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.contain('Chats');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.contain('Connect');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/connect');
    // The route change moves focus to the new page's heading.
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).to.equal('Connect / Add a friend');
    await snap(page, 'login-06-keyboard-connect');
  });

  it('fits a 360 px wide screen without sideways scrolling', async () => {
    const { kith } = await hostWithAlice();
    const { context, page } = await openPage(browser, 360, 780);
    await page.goto(kith.host.url + '/chats');
    await page.getByRole('heading', { name: 'Conversations', exact: true, level: 2 }).waitFor();
    await snap(page, 'narrow-01-chats');
    await noHorizontalOverflow(page);
    await page.goto(kith.host.url + '/connect');
    await page.getByRole('heading', { name: 'Rendezvous room', exact: true }).waitFor();
    await page.getByTestId('pair-friend').waitFor();
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
