/**
 * Page channels in real Chromium tabs through the real shell: a third-party custom element (in its
 * sandboxed frame, whose channels the shell relays) gets `kithHost.openChannel('frames')`; the extension sends 8 KiB binary frames at 100 a second to
 * every open page and each page sends its own frames back at 100 a second. One tab reads
 * normally, one blocks in its handler, one hangs (its main thread busy for 4 s, so it reads
 * nothing, as a hung or throttled tab): the normal tab keeps its full rate both ways, the
 * stuck ones cost the host one credit window plus the 16-frame queue, and their drops are counted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { ROOT, launchBrowser, openPage, snap, startTestHost, unlockNewPersona, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MAIN = String.raw`
const pages = new Map();
export default { activate(ctx) {
  ctx.subscriptions.push(
    ctx.pageChannels.register('frames', (ch) => {
      const page = { ch, fromPage: 0, binary: 0, lastSeq: -1, inOrder: true };
      pages.set(ch.page, page);
      ch.onDidReceive((m) => {
        page.fromPage++;
        if (m instanceof Uint8Array && m.byteLength === 8192) page.binary++;
        const seq = new DataView(m.buffer, m.byteOffset).getUint32(0);
        if (seq <= page.lastSeq) page.inOrder = false;
        page.lastSeq = seq;
      });
      ch.onDidClose(() => { page.closed = true; });
    }, { policy: 'drop-oldest', queueMessages: 16 }),
    // 100 frames a second to each page, caught up by the clock when a busy machine runs the timer late.
    ctx.timers.setInterval(() => {
      for (const page of pages.values()) {
        page.since ??= Date.now();
        while (page.ch.isOpen && (page.seq ?? -1) + 1 < ((Date.now() - page.since) / 1000) * 100) {
          const frame = new Uint8Array(8192);
          new DataView(frame.buffer).setUint32(0, page.seq = (page.seq ?? -1) + 1);
          page.ch.send(frame);
        }
      }
    }, 10),
    ctx.routes.get('/streamer/state', () => ({ pages: [...pages.values()].map((p) => ({ page: p.ch.page, fromPage: p.fromPage, binary: p.binary, inOrder: p.inOrder, toPage: p.seq ?? -1, closed: !!p.closed, stats: p.ch.stats })) })),
  );
} };`;

const UI = String.raw`
class StreamerPage extends HTMLElement {
  async connectedCallback() {
    const state = (window.__streamer = { received: 0, lastSeq: -1, inOrder: true, binary: true, page: null, sent: 0, closed: null, error: null });
    const block = this.kithRoute?.params.mode === 'block';
    try {
      const ch = (this.channel = await this.kithHost.openChannel('frames'));
      state.page = ch.page;
      ch.onDidClose(({ reason }) => { state.closed = reason; });
      ch.onDidReceive((m) => {
        state.received++;
        if (!(m instanceof Uint8Array)) state.binary = false;
        const seq = new DataView(m.buffer, m.byteOffset).getUint32(0);
        if (seq <= state.lastSeq) state.inOrder = false;
        state.lastSeq = seq;
        if (block) return new Promise(() => undefined);
      });
      const since = Date.now();
      this.timer = setInterval(() => {
        while (ch.isOpen && state.sent < ((Date.now() - since) / 1000) * 100) {
          const frame = new Uint8Array(8192);
          new DataView(frame.buffer).setUint32(0, state.sent);
          if (ch.send(frame)) state.sent++;
        }
      }, 10);
    } catch (error) {
      state.error = error.code ?? String(error);
    }
  }
  disconnectedCallback() { clearInterval(this.timer); this.channel?.close(); }
}
if (!customElements.get('streamer-page')) customElements.define('streamer-page', StreamerPage);`;

function installStreamer(dataDir: string): void {
  const root = path.join(dataDir, 'extensions/streamer');
  fs.mkdirSync(root, { recursive: true });
  const kith = {
    id: 'streamer', displayName: 'Streamer', hostVersion: '^1.0.0', main: 'main.mjs',
    contributes: {
      routes: ['GET /streamer/state'],
      nav: [{ id: 'streamer', label: 'Streamer', icon: 'cast', route: 'streamer/:mode', view: 'streamer.page' }],
      views: [{ id: 'streamer.page', slot: 'page', title: 'Streamer', element: 'streamer-page' }],
      uiModule: 'ui.mjs',
    },
  };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'streamer', version: '0.1.0', type: 'module', kith }));
  fs.writeFileSync(path.join(root, 'main.mjs'), MAIN);
  fs.writeFileSync(path.join(root, 'ui.mjs'), UI);
}

/** The SDK's example extension, built as its author ships it. */
function installHello(dataDir: string): void {
  const example = path.join(ROOT, 'sdk/examples/hello');
  const target = path.join(dataDir, 'extensions/hello');
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(example, 'package.json'), path.join(target, 'package.json'));
  const built = spawnSync(process.execPath, [path.join(example, 'build.mjs'), '--outdir', path.join(target, 'dist')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the hello example failed: ${built.stderr}`);
}

interface PageState {
  received: number;
  lastSeq: number;
  inOrder: boolean;
  binary: boolean;
  page: string | null;
  sent: number;
  closed: string | null;
  error: string | null;
}

describe('browser: page channels between an extension and Chromium tabs', function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;

  const hostState = async () => ((await (await kith.host.fetch('/api/streamer/state')).json()) as { pages: any[] }).pages;
  // The view runs in its sandboxed frame: its state is read there.
  const streamer = (page: Page) => page.frameLocator('iframe[data-kith-view="streamer/streamer.page"]').locator('streamer-page');
  const pageState = (page: Page) => streamer(page).evaluate(() => (globalThis as unknown as { __streamer: PageState }).__streamer);
  const until = async (ready: () => Promise<boolean>, timeoutMs: number, what: string) => {
    const end = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-channels-'));
    installStreamer(dataDir);
    installHello(dataDir);
    kith = await startTestHost({ dataDir });
    await unlockNewPersona(kith.host, { slug: 'streams', label: 'Sam', passphrase: 'frames both ways please' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    const dataDir = kith?.dataDir;
    await kith?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a blocked tab and a hung tab stay bounded with counted drops; a normal tab keeps 100 frames a second both ways', async () => {
    const tabs: Array<{ page: Page; errors: string[] }> = [];
    for (const mode of ['normal', 'block', 'normal']) {
      const { page, errors } = await openPage(browser);
      await page.goto(`${kith.host.url}/streamer/${mode}`);
      await streamer(page).waitFor({ state: 'attached', timeout: 30_000 });
      await until(async () => {
        const state = await pageState(page);
        return Boolean(state?.page || state?.error);
      }, 30_000, 'the channel to open');
      expect((await pageState(page)).error, 'openChannel').to.equal(null);
      tabs.push({ page, errors });
    }
    const [normal, , hung] = tabs as [(typeof tabs)[0], (typeof tabs)[0], (typeof tabs)[0]];
    const [normalBefore, blockedState, hungBefore] = await Promise.all(tabs.map((tab) => pageState(tab.page)));
    expect(blockedState.received).to.equal(1);
    const hanging = hung.page.evaluate(() => {
      const end = Date.now() + 8000;
      while (Date.now() < end); // the tab's main thread reads nothing for 8 s
    });
    await sleep(500);
    const hostBefore = await hostState();
    const before = await pageState(normal.page);
    const t0 = Date.now();
    await sleep(3000);
    const after = await pageState(normal.page);
    const seconds = (Date.now() - t0) / 1000;
    const hostAfter = await hostState();
    if (process.env.PC_DEBUG) console.log(JSON.stringify({ before, after, seconds, hostBefore, hostAfter }, null, 1));
    const on = (pages: any[], state: PageState) => pages.find((p) => p.page === state.page);
    const delta = (state: PageState, key: 'dropped' | 'sent') => on(hostAfter, state).stats[key] - on(hostBefore, state).stats[key];

    // The normal tab: 100 a second each way (allow 25% for a busy shared machine), in order, binary.
    expect((after.received - before.received) / seconds).to.be.above(75);
    expect((after.sent - before.sent) / seconds).to.be.above(75);
    expect(after).to.include({ inOrder: true, binary: true, closed: null, error: null });
    expect(normalBefore.page).to.equal(after.page);
    const normalHost = on(hostAfter, after);
    expect(normalHost).to.include({ inOrder: true, closed: false });
    expect(normalHost.binary).to.equal(normalHost.fromPage);
    expect(delta(after, 'dropped')).to.be.at.most(delta(after, 'sent') / 10);
    await snap(normal.page, 'page-channel-normal');

    // The stuck tabs: drops counted, the host holds one window plus the 16-frame queue for each.
    for (const stuck of [blockedState, hungBefore]) {
      const { stats, closed } = on(hostAfter, stuck);
      expect(delta(stuck, 'dropped'), stuck === blockedState ? 'blocked' : 'hung').to.be.above(150);
      expect(delta(stuck, 'sent')).to.be.at.most(48);
      expect(stats.queuedMessages).to.equal(16);
      expect(stats.inFlightMessages).to.be.at.most(32);
      expect(stats.queuedBytes + stats.inFlightBytes).to.be.at.most(48 * 8192);
      expect(closed).to.equal(false);
    }

    // The hung tab comes back: the channel is still open and frames flow again.
    await hanging;
    // The frames queued while the tab hung are tasks the tab runs after the evaluate that
    // ended its hang has answered, so wait for the first of them rather than sample at once.
    await until(async () => (await pageState(hung.page)).received > hungBefore.received, 10_000, 'the hung tab to read again');
    const woke = await pageState(hung.page);
    expect(woke.page).to.equal(hungBefore.page);
    expect(woke.received).to.be.above(hungBefore.received);
    await sleep(1000);
    const later = await pageState(hung.page);
    expect(later.received - woke.received).to.be.above(50);
    expect(later).to.include({ inOrder: true, closed: null });

    for (const tab of tabs) expect(tab.errors).to.deep.equal([]);
    for (const tab of tabs) await tab.page.context().close();
    // Closing the tabs closes their channels on the host.
    await sleep(500);
    expect((await hostState()).every((p) => p.closed)).to.equal(true);
  });

  it("hello's panel saves its greeting as a note over its recorder channel (structured and binary from a real page)", async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${kith.host.url}/hello`);
    const panel = page.frameLocator('iframe[data-kith-view="hello/hello.panel"]').locator('hello-panel');
    await panel.locator('[data-part="greeting"]', { hasText: 'Hello, Sam!' }).waitFor({ timeout: 30_000 });
    const greeting = (await panel.locator('[data-part="greeting"]').textContent()) ?? '';
    await panel.getByRole('button', { name: 'Save the greeting as a note' }).click();
    const note = panel.locator('[data-part="note"]', { hasText: 'saved note' });
    await note.waitFor({ timeout: 20_000 });
    const id = /saved note ([0-9a-f]{32}) \((\d+) bytes\)/.exec((await note.textContent()) ?? '');
    expect(id, 'the panel shows the saved note').to.not.equal(null);
    expect(Number(id![2])).to.equal(Buffer.byteLength(greeting));
    const stored = await kith.host.fetch(`/api/hello/notes/${id![1]}`);
    expect(await stored.text()).to.equal(greeting);
    await snap(page, 'page-channel-hello-note');
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
