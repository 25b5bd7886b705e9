import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { api, createPersona } from './shell-kit.js';

/** The page's background colour and theme attribute right now. */
async function paint(page: Page): Promise<{ theme: string; background: string; primary: string }> {
  return page.evaluate(() => ({
    theme: document.documentElement.dataset['theme'] ?? '',
    background: getComputedStyle(document.body).backgroundColor,
    primary: getComputedStyle(document.documentElement).getPropertyValue('--mat-sys-primary').trim(),
  }));
}

/** Relative luminance (0..1) of an `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((n) => Number(n) / 255);
  const f = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
}

/**
 * Issue #19: themes and UI profiles from the reference (`/api/themes`, `/api/accounts`): built-in
 * light, dark and high contrast plus custom palettes, chosen per persona and applied live.
 */
describe('browser (shell): themes are chosen per persona and applied live', function () {
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

  it('serves the built-in themes and validates what is saved', async () => {
    const themes = await api<{ slug: string; builtin: boolean }[]>(kith, 'GET', '/themes');
    expect(themes.filter((t) => t.builtin).map((t) => t.slug)).to.include.members(['light', 'dark', 'high-contrast']);
    const bad = await api(kith, 'POST', '/themes', { name: 'x', palette: { primary: 'red; background: url(evil)' } }).catch((e: Error) => e);
    expect(String(bad)).to.match(/400/);
    const noTheme = await api(kith, 'POST', '/accounts', { name: 'nobody', theme_slug: 'no-such-theme' }).catch((e: Error) => e);
    expect(String(noTheme)).to.match(/404/);
  });

  it('switches live between light, dark and high contrast from Settings, and keeps the choice per persona', async () => {
    const { page, errors } = await openPage(browser, 1280, 860);
    await page.goto(`${kith.host.url}/settings`);
    await page.getByTestId('appearance').waitFor({ timeout: 20_000 });

    await page.getByTestId('theme-light').click();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'light');
    const light = await paint(page);
    expect(luminance(light.background)).to.be.above(0.8);

    await page.getByTestId('theme-dark').click();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'dark');
    const dark = await paint(page);
    expect(luminance(dark.background), 'dark background').to.be.below(0.1);
    await snap(page, 'shell-themes-dark');

    await page.getByTestId('theme-high-contrast').click();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'high-contrast');
    const contrast = await paint(page);
    expect(contrast.background).to.equal('rgb(255, 255, 255)');

    // The choice is Alice's UI profile on the host: another browser (empty storage) paints it too.
    await page.getByTestId('theme-dark').click();
    const profiles = await api<{ id: string; name: string; theme_slug: string }[]>(kith, 'GET', '/accounts');
    await waitForProfileTheme(kith, 'dark');
    expect(profiles.length).to.be.greaterThan(0);
    const fresh = await openPage(browser, 1280, 860);
    await fresh.page.goto(`${kith.host.url}/chats`);
    await fresh.page.waitForFunction(() => document.documentElement.dataset['theme'] === 'dark', undefined, { timeout: 15_000 });
    await fresh.context.close();

    // A second persona starts with its own (default) theme; switching back restores Alice's.
    await createPersona(kith, 'Work');
    await page.goto(`${kith.host.url}/settings`);
    await page.getByTestId('appearance').waitFor();
    await page.getByTestId('persona-menu').filter({ hasText: 'Work' }).waitFor({ timeout: 15_000 });
    // Work never chose: the default, not Alice's dark (the local choice used to carry over).
    await page.waitForFunction(() => document.documentElement.dataset['theme'] !== 'dark', undefined, { timeout: 15_000 });
    expect(await page.getByTestId('theme-system').locator('input').isChecked(), 'Work shows the default chosen').to.equal(true);
    // A first load with this browser's last choice dark: once the host's profiles answer, Work
    // (no profile, no choice) is painted in the default too.
    await page.evaluate(() => localStorage.setItem('kith.theme', 'dark'));
    await page.reload();
    await page.getByTestId('appearance').waitFor();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] !== 'dark', undefined, { timeout: 15_000 });
    await page.getByTestId('theme-light').click();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'light');
    await page.getByTestId('persona-menu').click();
    await page.getByRole('menuitem', { name: 'Alice' }).click();
    await page.getByTestId('persona-menu').filter({ hasText: 'Alice' }).waitFor();
    await page.waitForFunction(() => document.documentElement.dataset['theme'] === 'dark', undefined, { timeout: 15_000 });
    expect(errors).to.deep.equal([]);
    await page.context().close();
  });

  it('saves a custom palette through /api/themes and applies it at once', async () => {
    const { page } = await openPage(browser, 1280, 860);
    await page.goto(`${kith.host.url}/settings`);
    await page.getByTestId('appearance').waitFor({ timeout: 20_000 });
    await page.getByText('Make a custom palette').click();
    await page.getByTestId('custom-name').fill('Forest');
    await page.getByTestId('custom-primary').evaluate((input: HTMLInputElement) => {
      input.value = '#1b5e20';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.getByTestId('custom-save').click();
    await page.waitForFunction(() => getComputedStyle(document.documentElement).getPropertyValue('--mat-sys-primary').trim() === '#1b5e20');
    const themes = await api<{ slug: string; name: string; palette: Record<string, string> }[]>(kith, 'GET', '/themes');
    const forest = themes.find((t) => t.name === 'Forest');
    expect(forest?.palette['primary']).to.equal('#1b5e20');
    await snap(page, 'shell-themes-custom');
    await page.context().close();
  });
});

async function waitForProfileTheme(kith: TestHost, slug: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const profiles = await api<{ theme_slug: string }[]>(kith, 'GET', '/accounts');
    if (profiles.some((p) => p.theme_slug === slug)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no UI profile with theme ${slug}`);
}
