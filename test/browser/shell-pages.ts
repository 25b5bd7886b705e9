import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT } from './harness.js';

/** The shell's pages as the a11y and screenshot suites visit them, and how each shows it is ready. */

export type ThemeName = 'light' | 'dark' | 'high-contrast';
export const THEMES: readonly ThemeName[] = ['light', 'dark', 'high-contrast'];
export const WIDTHS = [1280, 360] as const;
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');

export interface ShellPage {
  readonly name: string;
  readonly path: string;
  /** Resolves once the page shows what it is for. */
  ready(page: Page): Promise<void>;
}

/** Pages behind the lock (a persona is unlocked). */
export const UNLOCKED_PAGES: readonly ShellPage[] = [
  {
    name: 'chats-notes-to-self', path: '/chats?peer=self',
    ready: async (p) => { await p.getByTestId('composer').waitFor({ timeout: 20_000 }); },
  },
  {
    name: 'chats-list', path: '/chats',
    ready: async (p) => { await p.getByTestId('conversation-list').waitFor({ timeout: 20_000 }); },
  },
  { name: 'connect', path: '/connect', ready: async (p) => { await p.getByTestId('pair-friend').waitFor({ timeout: 20_000 }); } },
  { name: 'settings', path: '/settings', ready: async (p) => { await p.getByTestId('appearance').waitFor({ timeout: 20_000 }); } },
  {
    name: 'extensions', path: '/extensions',
    ready: async (p) => { await p.getByTestId('toggle-chat').waitFor({ timeout: 20_000 }); },
  },
  { name: 'diagnostics', path: '/diagnostics', ready: async (p) => { await p.locator('main h1').waitFor({ timeout: 20_000 }); } },
];

/** The login gate's three forms (the host is locked). */
export const LOGIN_PAGES: readonly ShellPage[] = [
  { name: 'login-unlock', path: '/login', ready: async (p) => { await p.getByTestId('unlock-passphrase').waitFor({ timeout: 20_000 }); } },
  {
    name: 'login-create', path: '/login',
    ready: async (p) => {
      await p.getByRole('tab', { name: 'Create' }).click();
      await p.getByTestId('create-label').waitFor({ timeout: 20_000 });
    },
  },
  {
    name: 'login-restore', path: '/login',
    ready: async (p) => {
      await p.getByRole('tab', { name: 'Restore' }).click();
      await p.getByTestId('restore-mnemonic').waitFor({ timeout: 20_000 });
    },
  },
];

/**
 * A context whose pages start in `theme` (the shell reads the choice from localStorage before the
 * API answers, as after any earlier visit). `bypassCSP` lets the a11y suite inject axe-core: Kith's
 * own CSP rightly refuses injected scripts.
 */
export async function themedContext(browser: Browser, theme: ThemeName, width: number, options: { bypassCSP?: boolean; personas?: readonly string[] } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 780 : 860 }, bypassCSP: options.bypassCSP ?? false });
  await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  // The login pages paint this browser's last choice; an unlocked persona paints its own choice.
  const keys = ['kith.theme', ...(options.personas ?? []).map((slug) => `kith.theme.${slug}`)];
  await context.addInitScript({
    content: `try { for (const k of ${JSON.stringify(keys)}) localStorage.setItem(k, ${JSON.stringify(theme)}); } catch {}`,
  });
  return context;
}

/** Wait for fonts, animations and late renders to settle before measuring or shooting. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await page.waitForTimeout(300);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
