/**
 * The chat panel with 10 000 messages in a real Chromium against a real host: the virtual list
 * keeps the DOM to the visible rows however many messages are loaded, pages in older history as
 * the user scrolls up, and the composer still works at the bottom. Frame times while scrolling
 * through all of it are printed (measured, not asserted).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, openPage, startTestHost, type TestHost } from '../browser/harness.js';
import { needs } from '../support/needs.js';

const MESSAGES = Number(process.env.KITH_SCALE_MESSAGES ?? 10_000);
/** How many messages the panel holds: the list's data-count attribute. */
const loadedCount = (list: import('playwright-core').Locator) => list.evaluate((el) => Number(el.getAttribute('data-count')));

describe('e2e: chat panel at 10k messages (Chromium)', function () {
  this.timeout(600_000);
  needs('chromium');
  let t: TestHost;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  async function api(method: string, route: string, body?: unknown): Promise<any> {
    const res = await t.host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  before(async () => {
    ensureClientBuilt();
    // A RAM disk when there is one: seeding 10k notes is then bounded by the CPU, not by fsync.
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    dataDir = fs.mkdtempSync(path.join(base, 'kith-e2e-scale-'));
    t = await startTestHost({ dataDir });
    await api('POST', '/personas', { slug: 'scale', label: 'Scale', passphrase: 'scale test passphrase' });
    await api('POST', '/identity/unlock', { slug: 'scale', passphrase: 'scale test passphrase', set_active: true });
    await t.host.areas.extensions.manager.settled();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < MESSAGES) {
        const i = next++;
        await api('POST', '/self/messages', { body: `note ${i}${i % 7 === 0 ? ' with a longer body that wraps onto a second line of the bubble' : ''}` });
      }
    }));
    browser = await launchBrowser();
    page = (await openPage(browser, 1280, 900)).page;
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads every page of history while scrolling up, with the DOM bounded to the visible rows', async () => {
    await page.goto(`${t.host.url}/chats?peer=self`);
    const list = page.getByTestId('message-list');
    const newest = (await api('GET', '/self/messages?limit=1')).messages[0].body as string;
    const oldest = (await api('GET', `/self/messages?limit=1&after=0`)).messages[0].body as string;
    // The panel opens at the newest message and stays there (no page of older history yet).
    await list.getByText(newest, { exact: true }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    expect(await loadedCount(list)).to.equal(100);
    await list.getByText(newest, { exact: true }).waitFor({ timeout: 5_000 });

    // The user's own scroll up (a wheel turn) stops the view following the latest message; after
    // that, setting scrollTop stands for dragging the scrollbar.
    await list.hover();
    await page.mouse.wheel(0, -600);
    // Scroll to the top until the oldest note is loaded (each arrival at the top loads one page).
    const started = Date.now();
    for (let round = 0; round < 500; round++) {
      if ((await loadedCount(list)) >= MESSAGES) break;
      await list.evaluate((el) => { el.scrollTop = 0; });
      await page.waitForTimeout(60);
    }
    const loadMs = Date.now() - started;
    expect(await loadedCount(list)).to.equal(MESSAGES);
    await list.evaluate((el) => { el.scrollTop = 0; });
    await list.getByText(oldest, { exact: true }).waitFor({ timeout: 30_000 });
    const rows = await list.locator('.row').count();
    expect(rows).to.be.greaterThan(5).and.lessThan(80);

    // Frame times: a steady read-along scroll (2400 px/s for 3 s from the middle) and a fling
    // through the whole history in 3 s (every frame renders a fresh set of rows).
    const scrollFrames = (mode: 'steady' | 'fling') =>
      list.evaluate(async (el, mode) => {
        const deltas: number[] = [];
        const from = mode === 'steady' ? Math.floor(el.scrollHeight / 2) : 0;
        const end = el.scrollHeight - el.clientHeight;
        el.scrollTop = from;
        await new Promise((r) => setTimeout(r, 200));
        const t0 = performance.now();
        let last = t0;
        await new Promise<void>((resolve) => {
          const step = (now: number) => {
            deltas.push(now - last);
            last = now;
            const elapsed = now - t0;
            el.scrollTop = mode === 'steady' ? Math.min(end, from + elapsed * 2.4) : Math.min(1, elapsed / 3000) * end;
            if (elapsed < 3000) requestAnimationFrame(step);
            else resolve();
          };
          requestAnimationFrame(step);
        });
        return deltas.slice(1).sort((a, b) => a - b);
      }, mode);
    const stats = (frames: number[]) => {
      const p = (q: number) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))]!.toFixed(1);
      return `p50 ${p(0.5)} ms, p95 ${p(0.95)} ms over ${frames.length} frames`;
    };
    const steady = await scrollFrames('steady');
    const fling = await scrollFrames('fling');
    console.log(`      ${MESSAGES} messages: all pages loaded in ${loadMs} ms; ${rows} rows in the DOM`);
    console.log(`      steady scroll frames ${stats(steady)}; fling through everything ${stats(fling)}`);
    expect(await list.locator('.row').count()).to.be.lessThan(80);
    await list.getByText(newest, { exact: true }).waitFor({ timeout: 10_000 });
  });

  it('sends from the composer and finds a message by search at 10k', async () => {
    await page.getByTestId('composer').fill('the newest note');
    await page.getByTestId('composer').press('Enter');
    await page.getByTestId('message-list').getByText('the newest note').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Search in conversation' }).click();
    const target = `note ${Math.floor(MESSAGES / 14) * 7 + 1}`; // i % 7 == 1: a short body
    await page.getByLabel('Search this conversation').fill(target);
    const hit = page.getByTestId('search-results').getByRole('button', { name: new RegExp(`${target}$`) });
    await hit.waitFor({ timeout: 30_000 });
    await hit.click();
    await page.getByTestId('message-list').getByText(target, { exact: true }).waitFor({ timeout: 30_000 });
  });
});
