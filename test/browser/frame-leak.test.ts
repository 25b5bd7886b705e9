/**
 * What a third-party view's frame can reach beyond its own routes. A view's frame URL that leaked to another site (the shell hands such URLs to a view hosting
 * other extensions' views; a hostile one could pass it on) gives that site nothing: the document
 * may be framed only by Kith's page and its views (frame-ancestors), and the frame hands its
 * proof and channel only to a top window of the page's origin. Before, an attacker's page got the
 * hello with the channel and ran its own module on the extension's origin (an outside tester's
 * finding); each guard is tested alone (the hello's target without frame-ancestors). The real
 * view still loads in the app. A view reads only its own persona in
 * `/identity/state`, and once another persona is made active elsewhere, its calls are refused
 * (409) instead of acting as that persona.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ROOT, launchBrowser, openPage, startTestHost, turnOnExtension, unlockNewPersona, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

/** Another site's page: frames `frameUrl` and records every message any window posts to it. */
const attackerPage = (frameUrl: string) => `<!doctype html><title>elsewhere</title><body><script>
window.seen = [];
addEventListener('message', (e) => seen.push({ origin: e.origin, data: JSON.stringify(e.data).slice(0, 200), ports: e.ports.length }));
const frame = document.createElement('iframe');
frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
frame.src = ${JSON.stringify(frameUrl)};
document.body.append(frame);
</script>`;

describe("browser: a view frame's reach (a leaked URL, other personas)", function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;
  let elsewhere: http.Server;
  let page = '';

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-browser-frame-leak-'));
    fs.cpSync(path.join(ROOT, 'test/browser/fixtures/memo'), path.join(dataDir, 'extensions/memo'), { recursive: true });
    kith = await startTestHost({ dataDir });
    await unlockNewPersona(kith.host, { slug: 'leak', label: 'Lee', passphrase: 'a frame that went astray' });
    await turnOnExtension(kith.host, 'memo');
    elsewhere = http.createServer((_req, res) => res.setHeader('content-type', 'text/html').end(page));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    elsewhere?.close();
    const dataDir = kith?.dataDir;
    await kith?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads in the app as before', async () => {
    const { context, page: app, errors } = await openPage(browser);
    await app.goto(`${kith.host.url}/memo`);
    await app.frameLocator('iframe[data-kith-view="memo/memo.page"]').locator('memo-page').getByRole('button', { name: 'Record' }).waitFor({ timeout: 30_000 });
    expect(errors).to.deep.equal([]);
    await context.close();
  });

  it('hands another site neither the proof nor the channel', async () => {
    const minted = await kith.host.fetch('/api/ui-frames', { method: 'POST', body: JSON.stringify({ extension: 'memo' }) });
    expect(minted.status).to.equal(200);
    const { url } = (await minted.json()) as { url: string };
    expect(url, 'an own-origin frame').to.match(/^http:\/\/[a-z0-9]+\.localhost:\d+\/ext-frame\//);
    page = attackerPage(url);
    const { context, page: attacker } = await openPage(browser);
    await attacker.goto(`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`);
    // The app's own view says hello within a second or two; give the leaked one far longer.
    await attacker.waitForTimeout(5_000);
    expect(await attacker.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).to.deep.equal([]);
    await context.close();
  });

  it('says hello only to the page\'s origin, even where frame-ancestors did not stop the framing', async () => {
    const minted = await kith.host.fetch('/api/ui-frames', { method: 'POST', body: JSON.stringify({ extension: 'memo' }) });
    const { url } = (await minted.json()) as { url: string };
    page = attackerPage(url);
    const { context, page: attacker } = await openPage(browser);
    // As an opaque frame has it (no ancestor can be named): the document without frame-ancestors.
    await context.route('**/ext-frame/**', async (route) => {
      // Fetched from here on the host's address, under the frame's own Host name (Node does not resolve *.localhost).
      const wanted = new URL(route.request().url());
      const response = await route.fetch({ url: `http://127.0.0.1:${wanted.port}${wanted.pathname}`, headers: { ...route.request().headers(), host: wanted.host } });
      const headers = { ...response.headers(), 'content-security-policy': response.headers()['content-security-policy']!.replace(/frame-ancestors[^;]*;\s*/, '') };
      await route.fulfill({ response, headers });
    });
    await attacker.goto(`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`);
    await attacker.waitForTimeout(5_000);
    const framed = attacker.frames().find((f) => f.url().includes('/ext-frame/'));
    expect(await framed?.evaluate(() => document.querySelector('meta[name="kith-page-origin"]') !== null), 'the frame document loaded there').to.equal(true);
    expect(await attacker.evaluate(() => (window as unknown as { seen: unknown[] }).seen)).to.deep.equal([]);
    await context.close();
  });

  it("sees only its own persona, and cannot act for another persona made active elsewhere", async () => {
    // A second persona on this machine, with memo on too; then Lee is the active one again.
    const unlock = (slug: string, passphrase: string) =>
      kith.host.fetch('/api/identity/unlock', { method: 'POST', body: JSON.stringify({ slug, passphrase, set_active: true }) });
    await unlockNewPersona(kith.host, { slug: 'other', label: 'Otto', passphrase: 'another persona here' });
    await turnOnExtension(kith.host, 'memo');
    expect((await unlock('leak', 'a frame that went astray')).status).to.equal(200);

    const { context, page: app } = await openPage(browser);
    await app.goto(`${kith.host.url}/memo`);
    const frame = app.frameLocator('iframe[data-kith-view="memo/memo.page"]');
    await frame.locator('memo-page').getByRole('button', { name: 'Record' }).waitFor({ timeout: 30_000 });
    type Outcome = { value?: unknown; status?: number };
    const calls = async (element: Element): Promise<{ state: Outcome; own: Outcome }> => {
      const host = (element as HTMLElement & { kithHost: { request(method: string, path: string): Promise<unknown> } }).kithHost;
      const outcome = (promise: Promise<unknown>): Promise<Outcome> => promise.then((value) => ({ value }), (error: { status?: number }) => ({ status: error.status }));
      return { state: await outcome(host.request('GET', '/identity/state')), own: await outcome(host.request('GET', '/memo/clips/none')) };
    };
    const leesView = (await frame.locator('memo-page').elementHandle())!;
    const before = await leesView.evaluate(calls);
    const state = before.state.value as { locked: boolean; active_slug: string; personas: { slug: string; label: string }[] };
    expect(state).to.deep.include({ locked: false, active_slug: 'leak' });
    expect(state.personas.map((p) => p.label), 'not told of Otto').to.deep.equal(['Lee']);
    expect(before.own.status, 'its own route answers (404: no such clip)').to.equal(404);

    // Another client makes Otto active. Lee's view, while this page still shows it, acts for no one.
    expect((await unlock('other', 'another persona here')).status).to.equal(200);
    const after = await leesView.evaluate(calls).catch(() => 'gone' as const);
    if (after !== 'gone') {
      expect(after.own.status, "Lee's view cannot act as Otto").to.equal(409);
      expect(after.state).to.deep.equal({ value: { locked: true, active_slug: null, personas: [] } });
    }
    // The page hears of the switch and shows Otto's own view in its place.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const now = await frame.locator('memo-page').evaluate(calls).catch(() => undefined);
      if ((now?.state.value as { active_slug?: string } | undefined)?.active_slug === 'other') {
        expect((now!.state.value as { personas: { label: string }[] }).personas.map((p) => p.label)).to.deep.equal(['Otto']);
        break;
      }
      if (Date.now() > deadline) throw new Error("the page did not move to Otto's view");
      await app.waitForTimeout(200);
    }
    await context.close();
  });
});
