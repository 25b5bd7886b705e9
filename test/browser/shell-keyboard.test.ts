import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { PASSPHRASE, api, createPersona } from './shell-kit.js';

/** What has keyboard focus: tag, accessible-ish name and test id. */
async function focused(page: Page): Promise<{ tag: string; text: string; label: string; testId: string; peer: string }> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return {
      tag: e?.tagName.toLowerCase() ?? '',
      text: (e?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      label: e?.getAttribute('aria-label') ?? '',
      testId: e?.getAttribute('data-testid') ?? '',
      peer: e?.getAttribute('data-peer') ?? '',
    };
  });
}

/** Press Tab until `wanted` holds for the focused element (at most `limit` presses). */
async function tabTo(page: Page, what: string, wanted: (f: Awaited<ReturnType<typeof focused>>) => boolean, limit = 40): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (wanted(f)) return;
    seen.push(`${f.tag}${f.testId ? `[${f.testId}]` : ''} "${(f.label || f.text).slice(0, 30)}"`);
  }
  throw new Error(`Tab never reached ${what}; visited: ${seen.join(' → ')}`);
}

/**
 * Issue #19: keyboard only, from the login page to sending a message and opening notes to self,
 * with Tab, Enter and typed text (no mouse, no arrow keys). Focus starts in the passphrase field
 * and moves to each new page's heading.
 */
describe('browser (shell): keyboard only, from the login to a sent note to self', function () {
  this.timeout(120_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    await createPersona(kith, 'Alice');
    await api(kith, 'POST', '/identity/lock');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await kith?.close();
  });

  it('unlocks, opens notes to self and sends a message with Tab and Enter', async () => {
    const { page, errors } = await openPage(browser, 1280, 860);
    try {
      await page.goto(`${kith.host.url}/login`);
      // Focus starts in the passphrase field.
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'unlock-passphrase', undefined, { timeout: 10_000 });
      await page.keyboard.type(PASSPHRASE);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/chats', { timeout: 30_000 });
      // The route change puts focus on the page's heading.
      await page.waitForFunction(() => document.activeElement?.tagName === 'H1', undefined, { timeout: 10_000 });
      expect((await focused(page)).text).to.equal('Chats');

      await page.getByTestId('conversation-list').waitFor({ timeout: 20_000 });
      await tabTo(page, 'the Notes to self conversation', (f) => f.peer === 'self' || /notes to self/i.test(f.text));
      await page.keyboard.press('Enter');
      await page.waitForURL(/peer=self/, { timeout: 10_000 });

      await tabTo(page, 'the composer', (f) => f.testId === 'composer');
      const note = `Typed without a mouse ${Date.now()}`;
      await page.keyboard.type(note);
      await page.keyboard.press('Enter');
      await page.getByTestId('message-list').getByText(note).waitFor({ timeout: 15_000 });
      await snap(page, 'shell-keyboard-note-sent');
      const stored = await api<unknown>(kith, 'GET', '/self/messages');
      expect(JSON.stringify(stored)).to.contain(note);
      expect(errors).to.deep.equal([]);
    } finally {
      await page.context().close();
    }
  });
});
