import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { ROOT, ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

const PASSPHRASE = 'extensions are features';

/** Install the SDK's example third-party extension into `<dataDir>/extensions/hello`, as its author ships it. */
function installHello(dataDir: string): void {
  const exampleDir = path.join(ROOT, 'sdk/examples/hello');
  const target = path.join(dataDir, 'extensions/hello');
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(exampleDir, 'package.json'), path.join(target, 'package.json'));
  const built = spawnSync(process.execPath, [path.join(exampleDir, 'build.mjs'), '--outdir', path.join(target, 'dist')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the example failed: ${built.stderr}`);
}

function clientFilesContain(clientDir: string, text: string): boolean {
  return fs.readdirSync(clientDir).some((f) => f.endsWith('.js') && fs.readFileSync(path.join(clientDir, f), 'utf8').includes(text));
}

/** Name, size and mtime of every file the host serves as the client. */
function listing(clientDir: string): string {
  return fs.readdirSync(clientDir, { recursive: true }).map(String).sort()
    .map((f) => { const st = fs.statSync(path.join(clientDir, f)); return `${f} ${st.size} ${st.mtimeMs}`; }).join('\n');
}

/** The sandboxed frame a third-party extension's view runs in (the first, when it has several). */
function viewFrame(page: Page | FrameLocator | Locator, extensionId: string): FrameLocator {
  return page.frameLocator(`iframe[data-kith-view^="${extensionId}/"]`).first();
}

async function createPersona(page: Page, url: string, label: string): Promise<void> {
  await page.goto(url + '/login?add=1');
  await page.getByTestId('create-label').fill(label);
  await page.getByTestId('create-passphrase').fill(PASSPHRASE);
  await page.getByTestId('create-repeat').fill(PASSPHRASE);
  await page.getByTestId('create-submit').click();
  await page.getByTestId('mnemonic-written').click({ timeout: 30_000 });
  await page.getByTestId('mnemonic-confirm').click();
  await page.waitForURL('**/chats');
}

/** Contributions come and go at run time: built-in UI (chat) and a third-party custom element (hello). */
describe('browser: extension contributions', function () {
  this.timeout(240_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;
  let clientDir: string;
  let clientBefore: string;

  before(async () => {
    clientDir = ensureClientBuilt();
    clientBefore = listing(clientDir);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-ext-'));
    installHello(dataDir);
    for (const fixture of ['ringer', 'crashy', 'polls', 'stickers', 'roster', 'notepanel']) {
      fs.cpSync(path.join(ROOT, 'test/browser/fixtures', fixture), path.join(dataDir, 'extensions', fixture), { recursive: true });
    }
    kith = await startTestHost({ dataDir });
    browser = await launchBrowser();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const context of browser.contexts()) for (const page of context.pages()) await snap(page, `FAILED-extensions-${Date.now()}`);
    }
  });
  after(async () => {
    await browser?.close();
    const dataDir = kith?.dataDir;
    await kith?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("turning chat off for a persona removes its UI and routes at once; on brings them back", async () => {
    const { context, page, errors } = await openPage(browser);
    await createPersona(page, kith.host.url, 'Carol');
    // Chat's views: the conversation list (sidebar) and the panel.
    await page.getByTestId('conversation-list').waitFor({ timeout: 20_000 });
    await page.locator('[data-view="chat/chat.panel"]').waitFor();
    await snap(page, 'extensions-01-chat-on');

    await page.getByRole('tab', { name: 'Extensions' }).click();
    await page.locator('[data-extension="chat"]').waitFor();
    await snap(page, 'extensions-02-list');
    await page.getByTestId('toggle-chat').getByRole('switch').click();
    await page.getByText('Chat turned off').waitFor();
    const entry = ((await (await kith.host.fetch('/api/extensions')).json()) as { extensions: { id: string; enabled: boolean }[] })
      .extensions.find((e) => e.id === 'chat');
    expect(entry?.enabled).to.equal(false);
    expect((await kith.host.fetch('/api/self/messages')).status, 'chat API route').to.equal(404);

    await page.getByRole('tab', { name: 'Chats' }).click();
    await page.getByTestId('no-chat-panel').waitFor();
    expect(await page.getByTestId('conversation-list').count()).to.equal(0);
    expect(await page.locator('[data-view^="chat/"]').count()).to.equal(0);
    await snap(page, 'extensions-03-chat-off');
    // Pairing is a separate extension and stays (on the Connect page).
    await page.getByRole('tab', { name: 'Connect' }).click();
    await page.getByTestId('pair-friend').waitFor({ timeout: 20_000 });

    await page.getByRole('tab', { name: 'Extensions' }).click();
    await page.getByTestId('toggle-chat').getByRole('switch').click();
    await page.getByText('Chat turned on').waitFor();
    await page.getByRole('tab', { name: 'Chats' }).click();
    await page.getByTestId('conversation-list').waitFor({ timeout: 20_000 });
    expect((await kith.host.fetch('/api/self/messages')).status).to.equal(200);
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('shows the third-party custom element without a client rebuild, and removes its page when off', async () => {
    expect(clientFilesContain(clientDir, 'hello-panel'), 'the client bundle knows nothing of hello').to.equal(false);
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url + '/chats');
    // Its nav icon (waving_hand, which no built-in names, so the shell's cut font lacks it) is drawn
    // from the whole icon font: a glyph about 24 px wide, not the word "waving_hand".
    const icon = page.getByRole('tab', { name: 'Hello' }).locator('.nav-icon');
    await icon.waitFor();
    await page.waitForFunction(() => document.fonts.check('24px "Material Symbols Full"', 'waving_hand') && document.fonts.status === 'loaded', undefined, { timeout: 15_000 });
    expect((await icon.boundingBox())!.width, 'the icon is a glyph, not its name').to.be.below(40);
    await page.getByRole('tab', { name: 'Hello' }).click();
    await page.waitForURL('**/hello');
    // It runs in a sandboxed frame of its own, never in the shell's document.
    expect(await page.locator('hello-panel').count(), 'not in the shell document').to.equal(0);
    const panel = page.frameLocator('iframe[data-kith-view="hello/hello.panel"]').locator('hello-panel');
    await panel.waitFor();
    // Its data comes through the UiHost (the shell, for this extension) from the extension's own route.
    await panel.locator('[data-part="greeting"]').filter({ hasText: /waves received/ }).waitFor({ timeout: 15_000 });
    expect(await panel.evaluate((el) => Boolean((el as unknown as { kithHost?: unknown }).kithHost))).to.equal(true);
    // The shell's theme reached it.
    expect(await panel.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--mat-sys-primary').trim())).to.not.equal('');
    await snap(page, 'extensions-04-hello-element');

    // What a hostile view could try from there: none of it reaches the secret, the shell or another route.
    const attempts = await panel.evaluate(async (el) => {
      const host = (el as unknown as { kithHost: { request(m: string, p: string, b?: unknown): Promise<unknown>; fetch(p: string, i?: RequestInit): Promise<Response>; onHostEvent(n: string, h: () => void): unknown } }).kithHost;
      const outcome = async (run: () => Promise<unknown>) => run().then((v) => `ok ${JSON.stringify(v)}`.slice(0, 80), (e: { code?: unknown; name?: string; message?: string }) => (typeof e.code === "string" ? e.code : e.name ?? String(e.message)));
      return {
        origin: self.origin,
        shellDocument: await outcome(async () => window.top!.document.title),
        secretMeta: document.querySelector('meta[name="kith-secret"]') === null ? 'absent' : 'present',
        directApi: await outcome(async () => (await fetch('/api/sessions')).status),
        shellPage: await outcome(async () => (await fetch('/', { mode: 'cors' })).status),
        storage: await outcome(async () => {
          localStorage.setItem('hello.mark', 'from the frame');
          return localStorage.getItem('kith.rendezvousUrl') ?? 'no shell key';
        }),
        otherRoute: await outcome(() => host.request('GET', '/extensions')),
        mutateHost: await outcome(() => host.request('POST', '/extensions/chat', { enabled: false })),
        dotDot: await outcome(() => host.request('GET', '/hello/../extensions')),
        encoded: await outcome(() => host.fetch('/hello%2F..%2Fextensions')),
        chatMessages: await outcome(() => host.request('GET', '/self/messages')),
        hostRead: await outcome(() => host.request('GET', '/sessions')),
        ownRoute: await outcome(() => host.request('GET', '/hello/greeting')),
      };
    });
    // An origin of its own (one per persona and extension), never the page's.
    expect(attempts.origin).to.match(new RegExp(`^http://[a-f0-9]{20}\\.localhost:${new URL(kith.host.url).port}$`));
    expect(await page.evaluate(() => localStorage.getItem('hello.mark')), "the frame's storage is its own").to.equal(null);
    expect(attempts.shellDocument).to.equal('SecurityError');
    expect(attempts.secretMeta).to.equal('absent');
    expect(attempts.directApi).to.equal('TypeError');
    expect(attempts.shellPage).to.equal('TypeError');
    // The browser may refuse a third-party frame storage altogether; either way it never sees the page's.
    expect(attempts.storage).to.be.oneOf(['SecurityError', 'ok "no shell key"']);
    expect(attempts.otherRoute).to.equal('KITH_ERR_FORBIDDEN');
    expect(attempts.mutateHost).to.equal('KITH_ERR_FORBIDDEN');
    expect(attempts.dotDot).to.equal('KITH_ERR_BAD_REQUEST');
    expect(attempts.encoded).to.equal('KITH_ERR_BAD_REQUEST');
    expect(attempts.chatMessages).to.equal('KITH_ERR_FORBIDDEN');
    expect(attempts.hostRead).to.match(/^ok /);
    expect(attempts.ownRoute).to.match(/^ok .*greeting/);
    const chat = ((await (await kith.host.fetch('/api/extensions')).json()) as { extensions: { id: string; enabled: boolean }[] }).extensions.find((e) => e.id === 'chat');
    expect(chat?.enabled, 'chat stayed on').to.equal(true);

    // Its settings section appears under Settings.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.locator('[data-extension="hello"]').getByText('Shout the greeting').waitFor();
    await snap(page, 'extensions-05-settings');

    // Its UI module holds no power over the page, so it asks for nothing.
    await page.getByRole('tab', { name: 'Extensions' }).click();
    await page.locator('[data-extension="hello"]').waitFor();
    expect(await page.locator('[data-extension="hello"] [data-testid="permissions"]').count()).to.equal(0);
    const listed = ((await (await kith.host.fetch('/api/extensions')).json()) as { extensions: { id: string; permissions: { id: string }[] }[] }).extensions;
    expect(listed.find((e) => e.id === 'hello')!.permissions).to.deep.equal([]);

    // Off: the nav entry goes, and its route no longer exists.
    await page.getByTestId('toggle-hello').getByRole('switch').click();
    await page.getByText('Hello turned off').waitFor();
    expect(await page.getByRole('tab', { name: 'Hello' }).count()).to.equal(0);
    await page.goto(kith.host.url + '/hello');
    await page.getByTestId('not-found').waitFor();
    expect(await page.locator('iframe[data-kith-view^="hello/"]').count()).to.equal(0);
    await snap(page, 'extensions-06-hello-off');

    expect(listing(clientDir), 'the served client was not rebuilt or touched').to.equal(clientBefore);
    // The only console errors are the frame's policy refusing the two direct requests tried above.
    expect(errors.filter((e) => !/^(Connecting to '[^']+' violates the following Content Security Policy directive: "connect-src data: blob:"|Fetch API cannot load [^ ]+\. Refused to connect because it violates the document's Content Security Policy)/.test(e))).to.deep.equal([]);
    expect(errors).to.have.length(4);
    await context.close();
  });

  it('shows a faulted extension with its error and none of its UI', async () => {
    const { context, page } = await openPage(browser);
    await page.goto(kith.host.url + '/extensions');
    const card = page.locator('[data-extension="crashy"]');
    await card.getByTestId('faulted').waitFor();
    expect(await card.textContent()).to.contain('crashy refuses to start');
    expect(await page.getByRole('tab', { name: 'Crashy' }).count()).to.equal(0);
    await snap(page, 'extensions-09-faulted');
    await page.goto(kith.host.url + '/crashy');
    await page.getByTestId('not-found').waitFor();
    await context.close();
  });

  it('asks before a third-party extension that wants to manage friends runs; keeping it off keeps it off', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url + '/extensions');
    const rosterCount = async () => {
      const res = await kith.host.fetch('/api/roster/count');
      return { status: res.status, body: await res.json() };
    };
    const card = page.locator('[data-extension="roster"]');
    await card.getByTestId('awaiting-consent').waitFor();
    expect(await card.getByTestId('permissions').textContent()).to.contain('add, rename, verify and remove your friends');
    const toggle = card.getByRole('switch');
    expect(await toggle.getAttribute('aria-checked')).to.equal('false');
    expect((await rosterCount()).body.error.code).to.equal('KITH_ERR_EXTENSION_DISABLED');

    await toggle.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('consent-permissions').waitFor();
    expect(await dialog.textContent()).to.contain('Turn on Roster?').and.contain('Add, rename, verify and remove your friends');
    await snap(page, 'extensions-10-consent');
    await dialog.getByRole('button', { name: 'Keep it off' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await toggle.getAttribute('aria-checked')).to.equal('false');
    expect((await rosterCount()).status).to.not.equal(200);

    await toggle.click();
    await page.getByRole('dialog').getByTestId('consent-allow').click();
    await card.getByTestId('awaiting-consent').waitFor({ state: 'detached' });
    expect(await toggle.getAttribute('aria-checked')).to.equal('true');
    expect((await rosterCount()).body).to.deep.equal({ friends: 0 });
    // Off and on again needs no second question: the grant is kept.
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[data-extension="roster"] [role="switch"]')?.getAttribute('aria-checked') === 'false');
    await toggle.click();
    await page.waitForFunction(() => document.querySelector('[data-extension="roster"] [role="switch"]')?.getAttribute('aria-checked') === 'true');
    expect(await page.getByRole('dialog').count()).to.equal(0);
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('puts chat actions in the conversation header; they open a page route with the peer filled in', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url + '/chats?peer=self');
    const action = page.getByRole('button', { name: 'Ring this friend' });
    await action.waitFor();
    // A route with parameters is not a navigation tab.
    expect(await page.getByRole('tab', { name: 'Ring' }).count()).to.equal(0);
    await snap(page, 'extensions-07-chat-action');
    // The header badge and the overlay banner are inline frames, as wide as what they show.
    const badgeFrame = page.locator('iframe[data-kith-view="ringer/ringer.badge"]');
    await page.frameLocator('iframe[data-kith-view="ringer/ringer.badge"]').locator('ringer-badge [data-part="peer"]').filter({ hasText: 'self' }).waitFor();
    const icon = page.frameLocator('iframe[data-kith-view="ringer/ringer.badge"]').locator('[data-part="icon"]');
    // The icon comes from the whole font, which the frame loads from Kith across its opaque origin.
    await icon.evaluate(async () => {
      await document.fonts.load('24px "Material Symbols Full"', 'ring_volume');
    });
    expect((await icon.boundingBox())!.width, 'a glyph, not the word ring_volume').to.be.below(40);
    const badgeBox = (await badgeFrame.boundingBox())!;
    expect(badgeBox.width).to.be.above(20).and.below(200);
    expect(badgeBox.height).to.be.above(10).and.below(80);
    const banner = page.locator('iframe[data-kith-view="ringer/ringer.banner"]');
    await page.frameLocator('iframe[data-kith-view="ringer/ringer.banner"]').locator('[data-part="banner"]').waitFor();
    expect((await banner.boundingBox())!.width).to.be.above(50).and.below(400);
    // An overlay that asks for the whole screen (to lie over Kith's header, or transparent over
    // the composer) stays an opaque card of at most 480 × 400 px.
    await page.frameLocator('iframe[data-kith-view="ringer/ringer.banner"]').locator('ringer-banner').evaluate(() => window.parent.postMessage({ kithFrame: 'size', width: 100_000, height: 100_000 }, '*'));
    await page.waitForFunction(() => (document.querySelector<HTMLIFrameElement>('iframe[data-kith-view="ringer/ringer.banner"]')?.style.height ?? '') === '100000px');
    const grown = (await banner.boundingBox())!;
    expect(grown.width, 'overlay width').to.be.at.most(480);
    expect(grown.height, 'overlay height').to.be.at.most(400);
    const header = (await page.getByRole('tab', { name: 'Chats' }).boundingBox())!;
    expect(grown.y, "below Kith's navigation").to.be.above(header.y + header.height);
    expect(await banner.evaluate((frame) => getComputedStyle(frame).backgroundColor)).to.not.match(/^rgba\(0, 0, 0, 0\)$|^transparent$/);
    await action.click();
    await page.waitForURL('**/ringer/self');
    await viewFrame(page, 'ringer').locator('ringer-page [data-part="peer"]').filter({ hasText: 'Ringing self as Carol' }).waitFor();
    await snap(page, 'extensions-08-action-page');
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it("turns a third-party view's notify into a desktop notification while Kith's page is in the background", async () => {
    const { context, page, errors } = await openPage(browser);
    // The page hidden (another tab) and notifications allowed; the top page records what it shows.
    await page.addInitScript(() => {
      if (window.top !== window) return;
      Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
      const shown: { title: string; body: string }[] = [];
      (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
      (window as unknown as { Notification: unknown }).Notification = Object.assign(
        function (this: { onclick?: () => void; close(): void }, title: string, options: { body: string }) {
          shown.push({ title, body: options.body });
          this.close = () => undefined;
        },
        { permission: 'granted', requestPermission: async () => 'granted' },
      );
    });
    await page.goto(kith.host.url + '/chats?peer=self');
    const banner = page.frameLocator('iframe[data-kith-view="ringer/ringer.banner"]').locator('ringer-banner');
    await banner.locator('[data-part="banner"]').waitFor();
    await banner.evaluate((element) => (element as unknown as { kithHost: { notify(message: string): void } }).kithHost.notify('Someone is ringing'));
    await page.waitForFunction(() => ((window as unknown as { shownNotifications: unknown[] }).shownNotifications ?? []).length > 0);
    const shown = await page.evaluate(() => (window as unknown as { shownNotifications: { title: string; body: string }[] }).shownNotifications);
    expect(shown).to.deep.equal([{ title: 'Extension “Ringer”', body: 'Someone is ringing' }]);
    // A loop of them would flood the desktop: one per few seconds per extension.
    await banner.evaluate((element) => {
      for (let i = 0; i < 5; i++) (element as unknown as { kithHost: { notify(message: string): void } }).kithHost.notify(`Ring ${i}`);
    });
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as unknown as { shownNotifications: unknown[] }).shownNotifications.length)).to.equal(1);
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('lays a third-party home.main panel beside chat\'s, never over its composer', async () => {
    const turn = async (enabled: boolean) => expect((await kith.host.fetch('/api/extensions/notepanel', { method: 'POST', body: JSON.stringify({ enabled }) })).status).to.equal(200);
    await turn(true);
    const { context, page, errors } = await openPage(browser);
    await page.goto(kith.host.url + '/chats?peer=self');
    await viewFrame(page, 'notepanel').locator('notepanel-main [data-part="heading"]').filter({ hasText: 'Notes with self' }).waitFor({ timeout: 20_000 });
    const composer = page.getByTestId('composer');
    await composer.waitFor();
    const boxes = await page.evaluate(() => [...document.querySelectorAll('.slot.panel')].map((e) => {
      const r = e.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom };
    }));
    expect(boxes).to.have.length(2);
    for (const panel of await page.locator('.slot.panel').all()) {
      // Nothing a panel holds spills out of it (where the next panel would paint over it).
      expect(await panel.evaluate((e) => e.scrollHeight <= e.clientHeight + 1)).to.equal(true);
    }
    expect(boxes[0]!.bottom).to.be.at.most(boxes[1]!.top + 1);
    // The composer takes clicks (the panel used to intercept them) and sends.
    await composer.click({ timeout: 5000 });
    await composer.fill('typed past the note panel');
    await page.keyboard.press('Enter');
    await page.getByText('typed past the note panel').first().waitFor({ timeout: 10_000 });
    await snap(page, 'extensions-home-main-beside-chat');
    expect(errors).to.deep.equal([]);
    await context.close();
    await turn(false);
  });

  it('hands a page its route parameters decoded, as text; an over-long parameter finds no page', async () => {
    const { context, page, errors } = await openPage(browser);
    const param = 'Zoë <img src=x onerror="window.__pwned=1"> & /x?';
    await page.goto(`${kith.host.url}/polls/${encodeURIComponent(param)}`);
    const polls = viewFrame(page, 'polls');
    const shown = polls.locator('polls-page [data-part="peer"]');
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).to.equal(`Poll with ${param} (polls/:peer)`);
    expect(await polls.locator('polls-page img').count(), 'the parameter is never HTML').to.equal(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    expect(await shown.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    // A route with parameters is not a navigation tab.
    expect(await page.getByRole('tab', { name: 'Polls' }).count()).to.equal(0);
    await snap(page, 'extensions-10-route-params');

    await page.goto(`${kith.host.url}/polls/${'a'.repeat(257)}`);
    await page.getByTestId('not-found').waitFor();
    await page.goto(`${kith.host.url}/polls/${'a'.repeat(256)}`);
    await polls.locator('polls-page [data-part="peer"]').filter({ hasText: `Poll with ${'a'.repeat(256)} ` }).waitFor();
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it("gives the page's UI its extension's own error code", async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${kith.host.url}/polls/self`);
    await viewFrame(page, 'polls').locator('polls-page').getByRole('button', { name: 'Vote' }).click();
    await viewFrame(page, 'polls').locator('polls-page [data-part="outcome"]').filter({ hasText: 'KITH_EXT_POLLS_POLL_CLOSED 409' }).waitFor();
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('renders an open slot with what other extensions contribute to it, following them on and off', async () => {
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${kith.host.url}/polls/self`);
    const polls = viewFrame(page, 'polls');
    // A view in an open slot of a third-party view runs in a frame of its own, nested where the owner placed the slot.
    const sticker = viewFrame(polls.locator('polls-page [data-part="toolbar"]'), 'stickers').locator('stickers-button [data-part="sticker"]');
    await sticker.waitFor({ timeout: 15_000 });
    expect(await sticker.textContent()).to.equal('Sticker for self (context frozen: true)');
    // Only the slot's owner renders it, and only slots it opens.
    expect(await polls.locator('polls-page [data-part="refused"]').textContent()).to.equal('KITH_ERR_BAD_REQUEST');
    // A contribution to a slot nobody opens is never shown; the host warned about it at start.
    expect(await page.locator('iframe[data-kith-view="stickers/stickers.lost"]').count()).to.equal(0);
    expect(await polls.locator('iframe[data-kith-view^="stickers/"]').count(), 'one sticker frame').to.equal(1);
    await snap(page, 'extensions-11-open-slot');

    const toggle = (enabled: boolean) =>
      kith.host.fetch('/api/extensions/stickers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled }) });
    expect((await toggle(false)).status).to.equal(200);
    await sticker.waitFor({ state: 'detached', timeout: 15_000 });
    expect(await polls.locator('polls-page [data-part="peer"]').count(), 'the owner stays').to.equal(1);
    expect((await toggle(true)).status).to.equal(200);
    await sticker.waitFor({ timeout: 15_000 });
    expect(errors).to.deep.equal([]);
    await context.close();
  });
});
