/**
 * A host with the third-party fixture test/browser/fixtures/postcards installed and on, a persona
 * unlocked, and a Chromium page: what the slot-entries and extension-dialogs suites start from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, launchBrowser, openPage, snap, startTestHost, turnOnExtension, type TestHost } from './harness.js';
import { createPersona } from './shell-kit.js';

export interface PostcardsRig {
  readonly kith: TestHost;
  readonly browser: Browser;
  readonly page: Page;
  /** Page errors and CSP violations seen so far. */
  readonly errors: string[];
  /** Screenshot the page when the test just run failed. */
  snapIfFailed(test: Mocha.Test | undefined, name: string): Promise<void>;
  close(): Promise<void>;
}

/** `others`: more fixtures of test/browser/fixtures to install beside it (e.g. `polls`). */
export async function startPostcardsRig(persona: string, others: readonly string[] = []): Promise<PostcardsRig> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-postcards-'));
  for (const fixture of ['postcards', ...others]) {
    fs.cpSync(path.join(ROOT, 'test/browser/fixtures', fixture), path.join(dataDir, 'extensions', fixture), { recursive: true });
  }
  const kith = await startTestHost({ dataDir });
  await createPersona(kith, persona);
  await turnOnExtension(kith.host, 'postcards');
  const browser = await launchBrowser();
  const { page, errors } = await openPage(browser);
  return {
    kith,
    browser,
    page,
    errors,
    async snapIfFailed(test, name) {
      if (test?.state === 'failed') await snap(page, `FAILED-${name}-${Date.now()}`);
    },
    async close() {
      await browser.close();
      await kith.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
