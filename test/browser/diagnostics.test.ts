import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { befriend, connect, type TestPeer } from '@kith/sdk/testing';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';

const NAMES = ['Alice Canary Q7', 'Bob Canary Z3'];
/** A room word the page must show and the report must not (another canary). */
const ROOM_WORD = 'Meadow Canary 41';
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Box { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number; readonly width: number; readonly height: number }

/** The boxes (viewport px) of the sessions card, one friend's chart canvas, its plot area (uPlot's .u-over) and its key. */
async function chartBoxes(page: Page, peer: string): Promise<{ card: Box; canvas: Box; plotArea: Box; key: Box }> {
  return page.evaluate((peer) => {
    const box = (element: Element | null | undefined): Box => {
      if (!element) throw new Error('an element of the chart is missing');
      const { left, top, right, bottom, width, height } = element.getBoundingClientRect();
      return { left, top, right, bottom, width, height };
    };
    const chart = document.querySelector(`[data-testid="sessions"] article[data-peer="${peer}"] diagnostics-session-chart`);
    return { card: box(document.querySelector('[data-testid="sessions"]')), canvas: box(chart?.querySelector('canvas')), plotArea: box(chart?.querySelector('.u-over')), key: box(chart?.querySelector('.key')) };
  }, peer);
}

const inside = (inner: Box, outer: Box): boolean =>
  inner.left >= outer.left - 0.5 && inner.right <= outer.right + 0.5 && inner.top >= outer.top - 0.5 && inner.bottom <= outer.bottom + 0.5;
const overlap = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Two frames, so a ResizeObserver has run and the chart has redrawn at its new size. */
async function afterLayout(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForTimeout(200);
}

/** An in-process host (it serves the built client) with an unlocked persona, as the test kit's steps want it. */
async function peerOn(host: TestHost, label: string): Promise<TestPeer & { key: string }> {
  const request = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await host.host.fetch(`/api${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const slug = label.split(' ')[0]!.toLowerCase();
  const passphrase = `${label} diagnostics passphrase`;
  await request('POST', '/personas', { slug, label, passphrase });
  await request('POST', '/identity/unlock', { slug, passphrase, set_active: true });
  const personas = await request<any>('GET', '/personas');
  const mine = (Array.isArray(personas) ? personas : personas.personas).find((p: any) => p.slug === slug);
  const persona = { slug, label, passphrase, mnemonic: '', key: mine.master_pubkey as string, peerId: mine.peer_id as string };
  return { name: label, persona, request: request as TestPeer['request'], key: persona.key };
}

/**
 * The Diagnostics page in Chromium, on two real hosts with a live session: the session's stats
 * update on screen, its uPlot chart draws, a joined room shows by its word, and the exported report
 * holds no key, label, room word or unmasked address (the persona names, the word, both keys and
 * 127.0.0.1 are the canaries). The chart fits its card with its key above the plot, the page fits a
 * 400 px window without sideways scrolling, and axe finds nothing serious in the live session.
 */
describe('browser: the Diagnostics page', function () {
  this.timeout(240_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let aliceHost: TestHost;
  let bobHost: TestHost;
  let alice: Awaited<ReturnType<typeof peerOn>>;
  let bob: Awaited<ReturnType<typeof peerOn>>;
  let browser: Browser;
  let page: Page;
  let traffic: ReturnType<typeof setInterval> | undefined;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const url = rendezvous.url.replace(/\/$/, '');
    [aliceHost, bobHost] = await Promise.all([startTestHost(), startTestHost()]);
    [alice, bob] = await Promise.all([peerOn(aliceHost, NAMES[0]!), peerOn(bobHost, NAMES[1]!)]);
    await befriend(alice, bob, url);
    await connect(alice, bob, url);
    browser = await launchBrowser();
    ({ page } = await openPage(browser));
    // Keep the session busy so its numbers move.
    let n = 0;
    traffic = setInterval(() => {
      void alice.request('POST', `/sessions/${bob.persona!.key}/messages`, { body: `tick ${n++}` }).catch(() => undefined);
    }, 400);
  });
  after(async () => {
    clearInterval(traffic);
    await browser?.close();
    await Promise.allSettled([aliceHost?.close(), bobHost?.close()]);
    await rendezvous?.close();
  });

  it('shows the live session with stats that update, and draws its chart', async () => {
    await page.goto(`${aliceHost.host.url}/diagnostics`);
    const session = page.locator(`[data-testid="sessions"] article[data-peer="${bob.persona!.key}"]`);
    await session.waitFor({ timeout: 30_000 }).catch(async (error) => {
      await snap(page, 'FAILED-diagnostics-page');
      throw new Error(`${(error as Error).message}\nURL ${page.url()}\n${(await page.locator('body').innerText()).slice(0, 1500)}`);
    });
    expect(await session.locator('header strong').textContent()).to.equal(NAMES[1]);
    const trafficCell = session.getByTestId('traffic');
    const first = await trafficCell.textContent();
    await page.waitForFunction(
      ([selector, before]) => document.querySelector(selector!)?.textContent !== before,
      [`[data-testid="sessions"] article[data-peer="${bob.persona!.key}"] [data-testid="traffic"]`, first] as const,
      { timeout: 20_000 },
    );
    expect(await session.getByTestId('path').textContent()).to.match(/\S/);
    expect(await session.getByTestId('quality').getAttribute('data-level')).to.match(/good|fair|poor|stalled/);
    // uPlot drew on its canvas: some pixels are not transparent.
    const canvas = session.locator('diagnostics-session-chart canvas').first();
    await canvas.waitFor({ timeout: 15_000 });
    await page.waitForFunction((peer) => {
      const c = document.querySelector(`article[data-peer="${peer}"] diagnostics-session-chart canvas`) as HTMLCanvasElement | null;
      if (!c || c.width === 0) return false;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
      return painted > 200;
    }, bob.persona!.key, { timeout: 20_000 });
    await snap(page, 'diagnostics-01-session');
  });

  it("shows the friend's connection quality in the conversation header", async () => {
    const { context, page: chats, errors } = await openPage(browser);
    try {
      await chats.goto(`${aliceHost.host.url}/chats?peer=${bob.persona!.key}`);
      const badge = chats.getByTestId('header-quality');
      await chats.waitForFunction(() => Number(document.querySelector('[data-testid="header-quality"]')?.getAttribute('data-bars')) > 0, undefined, { timeout: 30_000 });
      expect(await badge.getAttribute('data-level')).to.match(/^(good|fair|poor)$/);
      expect(await badge.getAttribute('aria-label')).to.match(/^Connection (good|fair|poor): \d+ ms round trip, [\d.]+ % loss$/);
      expect(await badge.locator('i.on').count()).to.equal(Number(await badge.getAttribute('data-bars')));
      await chats.goto(`${aliceHost.host.url}/chats?peer=self`);
      await chats.getByTestId('composer').waitFor({ timeout: 30_000 });
      expect(await chats.getByTestId('header-quality').count(), 'no badge for notes to self').to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('runs the network check and shows a verdict', async () => {
    await page.getByTestId('run-netcheck').click();
    await page.getByTestId('verdict').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('verdict').textContent()).to.match(/\S/);
    await page.getByTestId('log-traces').locator('li .badge').first().waitFor({ timeout: 15_000 });
    await snap(page, 'diagnostics-02-netcheck');
  });

  it('shows a joined room by the word typed to join it, not by its hash', async () => {
    const url = rendezvous.url.replace(/\/$/, '');
    await alice.request('POST', '/rendezvous/join', { url, word: ROOM_WORD, mode: 'manual' });
    const rooms = page.getByTestId('joined-rooms');
    await rooms.getByText(ROOM_WORD, { exact: true }).waitFor({ timeout: 30_000 }); // the page reloads its history every few seconds
    expect(await rooms.innerText()).to.not.match(/room [0-9a-f]{8}…/);
    await snap(page, 'diagnostics-03-rooms');
  });

  it('fits the chart in its card with its key clear of the plot, at 1280 px and at 400 px without sideways scrolling', async () => {
    const peer = bob.persona!.key;
    const at1280 = await chartBoxes(page, peer);
    expect(inside(at1280.canvas, at1280.card), `1280 px: canvas ${JSON.stringify(at1280.canvas)} inside card ${JSON.stringify(at1280.card)}`).to.equal(true);
    expect(at1280.canvas.height, 'the chart has a height').to.be.above(100);
    expect(inside(at1280.plotArea, at1280.canvas), `1280 px: plot area ${JSON.stringify(at1280.plotArea)} inside canvas ${JSON.stringify(at1280.canvas)}`).to.equal(true);
    expect(overlap(at1280.key, at1280.canvas), `1280 px: key ${JSON.stringify(at1280.key)} clear of the chart ${JSON.stringify(at1280.canvas)}`).to.equal(false);
    expect(inside(at1280.key, at1280.card), '1280 px: the key inside the card').to.equal(true);

    await page.setViewportSize({ width: 400, height: 860 });
    try {
      await afterLayout(page);
      await snap(page, 'diagnostics-04-narrow');
      const { scrollWidth, innerWidth, sticking } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // The innermost elements past the window's right edge, to say what widens the page.
        sticking: [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.children.length === 0)
          .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}: ${(e.textContent ?? '').slice(0, 40)}`),
      }));
      expect(scrollWidth, `no sideways scrolling at 400 px; past the edge: ${sticking.join(' | ')}`).to.be.at.most(innerWidth);
      const at400 = await chartBoxes(page, peer);
      expect(inside(at400.canvas, at400.card), `400 px: canvas ${JSON.stringify(at400.canvas)} inside card ${JSON.stringify(at400.card)}`).to.equal(true);
      expect(overlap(at400.key, at400.canvas), '400 px: key clear of the chart').to.equal(false);
      for (const id of ['export-json', 'export-text']) {
        const button = (await page.getByTestId(id).boundingBox())!;
        expect(button.height, `${id} on one line`).to.be.at.most(48);
        expect(button.x + button.width, `${id} inside the window`).to.be.at.most(innerWidth);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('passes axe with a live session (the quality bars are an image with a name)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, bypassCSP: true }); // axe is injected as a script
    try {
      await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      const audited = await context.newPage();
      await audited.goto(`${aliceHost.host.url}/diagnostics`);
      const bars = audited.locator(`[data-testid="sessions"] article[data-peer="${bob.persona!.key}"] [data-testid="quality"]`);
      await bars.waitFor({ timeout: 30_000 });
      await audited.addScriptTag({ content: AXE_SOURCE });
      const violations = await audited.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(c: unknown, o: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
        const result = await axe.run(document.querySelector('[data-testid="sessions"]'), {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
          resultTypes: ['violations'],
        });
        return result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
      });
      expect(violations.filter((v) => /^(serious|critical) /.test(v))).to.deep.equal([]);
      expect(await bars.getAttribute('role')).to.equal('img');
      expect(await bars.getAttribute('aria-label')).to.match(/^Connection quality: (good|fair|poor|stalled)$/);
    } finally {
      await context.close();
    }
  });

  it('exports a report, in one click, with no key, label or unmasked address', async () => {
    for (const format of ['json', 'text'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-${format}`).click()]);
      const body = fs.readFileSync((await download.path())!, 'utf8');
      expect(body).to.match(format === 'json' ? /"kith-diagnostics-report"/ : /Kith diagnostics report/);
      expect(body).to.match(/key#1/);
      for (const canary of [alice.persona!.key, bob.persona!.key, 'Canary', 'Meadow', '127.0.0.1']) expect(body, `${format}: ${canary}`).to.not.include(canary);
      expect(body).to.not.match(/[0-9a-f]{32,}/i);
      expect(body).to.not.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    }
  });
});
