import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, startTestHost, type TestHost } from './harness.js';
import { LOGIN_PAGES, THEMES, UNLOCKED_PAGES, WIDTHS, screenshot, settle, themedContext, type ShellPage, type ThemeName } from './shell-pages.js';
import { api, createPersona } from './shell-kit.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Run axe-core in the page (injected: the context bypasses Kith's CSP for this suite only). */
async function axe(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(c: unknown, o: unknown): Promise<{ violations: Violation[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

function describeViolations(list: readonly Violation[]): string {
  return list.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`).join('\n');
}

/**
 * Issue #19: axe-core over every page of the shell (login/create/restore, chats with an open
 * conversation, connect, settings, extensions, diagnostics, notes to self) in light, dark and high
 * contrast at 1280 and 360 px; any serious or critical violation fails. Screenshots of each
 * (light, dark, 360 px) go to test-artifacts/screenshots/.
 */
describe('browser (a11y): axe-core finds no serious or critical violation on any page', function () {
  this.timeout(600_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;
  let alice: string;
  const found: string[] = [];

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    alice = (await createPersona(kith, 'Alice')).slug;
    // A note to self, so the open conversation has content to check.
    await api(kith, 'POST', '/self/messages', { body: 'A note to self, with a link https://example.org and\ntwo lines' }).catch(() => undefined);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
  });

  async function check(pages: readonly ShellPage[], theme: ThemeName, width: number): Promise<void> {
    const context = await themedContext(browser, theme, width, { bypassCSP: true, personas: [alice] });
    const page = await context.newPage();
    try {
      for (const shellPage of pages) {
        await page.goto(kith.host.url + shellPage.path);
        await shellPage.ready(page);
        await settle(page);
        expect(await page.evaluate(() => document.documentElement.dataset['theme']), 'theme applied').to.equal(theme);
        // Screenshots: light and dark at 1280 px, light at 360 px.
        if (theme === 'light' || (theme === 'dark' && width === 1280)) await screenshot(page, `${shellPage.name}-${theme}-${width}`);
        const serious = (await axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
        if (serious.length) found.push(`${shellPage.name} ${theme} ${width}px:\n${describeViolations(serious)}`);
      }
    } finally {
      await context.close();
    }
  }

  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      it(`unlocked pages, ${theme}, ${width} px`, async () => {
        const before = found.length;
        await check(UNLOCKED_PAGES, theme, width);
        expect(found.slice(before), found.slice(before).join('\n\n')).to.deep.equal([]);
      });
    }
  }

  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      it(`login, create and restore, ${theme}, ${width} px`, async () => {
        await api(kith, 'POST', '/identity/lock'); // the login gate shows only while locked (idempotent)
        const before = found.length;
        await check(LOGIN_PAGES, theme, width);
        expect(found.slice(before), found.slice(before).join('\n\n')).to.deep.equal([]);
      });
    }
  }
});
