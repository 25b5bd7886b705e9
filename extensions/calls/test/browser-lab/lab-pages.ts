/**
 * Node side of the calls lab: bundles lab-entry.ts and opens it in Chromium on a test host's own
 * origin (Playwright answers one path there), so the page reads the host's launch secret and opens
 * page channels like the shell. Used by test/browser/calls-*.test.ts and tools/bench/suites/calls.ts.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestHost } from '@kith/sdk/testing';

const here = path.dirname(new URL(import.meta.url).pathname);
export const LAB_PATH = '/__calls-lab';

/** Chromium flags: fake devices, no permission prompt, no gesture for audio, plain host ICE candidates. */
export const LAB_CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns,LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults',
];

let bundle: Promise<string> | undefined;
function labScript(): Promise<string> {
  bundle ??= build({ entryPoints: [path.join(here, 'lab-entry.ts')], bundle: true, format: 'iife', write: false, target: 'chrome120' })
    .then((result) => result.outputFiles[0]!.text);
  return bundle;
}

export async function launchLabBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: LAB_CHROMIUM_ARGS });
}

/** A lab page on `host`'s origin (a plain page, not the shell) with `window.lab`. */
export async function openLabPage(browser: Browser, host: TestHost): Promise<Page> {
  const script = await labScript();
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`lab page error: ${error.message}`));
  page.on('console', (message) => { if (message.type() === 'error') console.error(`lab page: ${message.text()}`); });
  await page.route(`${host.url}${LAB_PATH}`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><meta name="kith-secret" content="${host.secret}"><script>${script.replace(/<\/script/g, '<\\/script')}</script>`,
  }));
  await page.goto(`${host.url}${LAB_PATH}`);
  return page;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Pair each sent onset with the first played onset after it (within 1 s): the latencies in ms. */
export function onsetLatencies(sent: readonly number[], played: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const s of sent) {
    while (j < played.length && played[j]! < s) j++;
    if (j < played.length && played[j]! - s < 1000) out.push(played[j]! - s);
  }
  return out;
}
