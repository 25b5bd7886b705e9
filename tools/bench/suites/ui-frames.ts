/**
 * Extension views: what a third-party view's sandboxed frame costs the user. In Chromium, from a
 * click on the view's nav tab to its first drawn control: the memo fixture's page (a frame: mint,
 * one-time document, the shell fetching its module, the frame importing it) beside a built-in
 * page (Diagnostics, a lazy Angular chunk), interleaved, medians. Skipped (no rows) without Chromium.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { missingReason } from '../../../test/support/system-parts.js';
import { ROOT, launchBrowser, openPage, startTestHost, turnOnExtension, unlockNewPersona } from '../../../test/browser/harness.js';

const RUNS = 9;

const median = (values: number[]): number => values.slice().sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** ms from clicking the `tab` nav entry (after Chats) until `shown` is visible. */
async function openMs(page: Page, tab: string, shown: () => Promise<void>): Promise<number> {
  await page.getByRole('tab', { name: 'Chats' }).click();
  await page.getByTestId('conversation-list').waitFor();
  const started = performance.now();
  await page.getByRole('tab', { name: tab }).click();
  await shown();
  return performance.now() - started;
}

const suite: BenchSuite = {
  name: 'ui-frames',
  async run(): Promise<BenchRow[]> {
    const missing = missingReason('chromium');
    if (missing) {
      process.stderr.write(`bench: ui-frames skipped: ${missing}\n`);
      return [];
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-frames-'));
    fs.cpSync(path.join(ROOT, 'test/browser/fixtures/memo'), path.join(dataDir, 'extensions/memo'), { recursive: true });
    const kith = await startTestHost({ dataDir });
    const browser = await launchBrowser();
    try {
      await unlockNewPersona(kith.host, { slug: 'bench', label: 'Bea', passphrase: 'frames cost what exactly' });
      await turnOnExtension(kith.host, 'memo'); // it asks for media.capture: off until allowed
      const { page } = await openPage(browser);
      await page.goto(`${kith.host.url}/chats`);
      const framed: number[] = [];
      const builtin: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        framed.push(await openMs(page, 'Memo', () => page.frameLocator('iframe[data-kith-view="memo/memo.page"]').getByRole('button', { name: 'Record' }).waitFor()));
        builtin.push(await openMs(page, 'Diagnostics', () => page.getByTestId('export-json').waitFor()));
      }
      process.stderr.write(`bench: ui-frames runs (ms): frame ${framed.map((v) => v.toFixed(0)).join(', ')}; built-in ${builtin.map((v) => v.toFixed(0)).join(', ')}\n`);
      return [{
        area: 'extensions',
        metric: `nav click → first control of a third-party page in its sandboxed frame (median of ${RUNS}, interleaved)`,
        value: Math.round(median(framed)),
        unit: 'ms',
        baseline: { name: 'a built-in page (Diagnostics)', value: Math.round(median(builtin)), unit: 'ms' },
      }];
    } finally {
      await browser.close();
      await kith.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
