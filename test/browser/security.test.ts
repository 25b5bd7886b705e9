import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

/**
 * The local API in a real browser: a page on another local port (another origin, same site) can
 * neither read nor write; a DNS-rebound name is refused; Kith's own page works.
 */
describe('browser: local API security', function () {
  this.timeout(180_000);
  needs('chromium');
  let kith: TestHost;
  let browser: Browser;
  let attacker: http.Server;
  let attackerUrl: string;
  let probeHits = 0;

  before(async () => {
    ensureClientBuilt();
    kith = await startTestHost();
    // A write the attacker would love to make: count every request that gets through the guards.
    kith.host.gateway.publicApi.post('/test-probe', (_req, res) => {
      probeHits++;
      res.json({ ok: true });
    });
    attacker = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>attacker</title><h1>Another local app</h1><pre id="out"></pre>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await launchBrowser([`--host-resolver-rules=MAP rebind.test 127.0.0.1`]);
  });

  after(async () => {
    await browser?.close();
    if (attacker) await new Promise<void>((resolve) => attacker.close(() => resolve()));
    await kith?.close();
  });

  it("lets Kith's own page use the API and the socket", async () => {
    const { context, page } = await openPage(browser);
    await page.goto(kith.host.url + '/login');
    const result = await page.evaluate(async () => {
      const secret = document.querySelector<HTMLMetaElement>('meta[name="kith-secret"]')!.content;
      const res = await fetch('/api/test-probe', { method: 'POST', headers: { 'x-kith-secret': secret } });
      return { status: res.status, secretLength: secret.length };
    });
    expect(result.status).to.equal(200);
    expect(result.secretLength).to.be.greaterThan(20);
    expect(probeHits).to.equal(1);
    await page.waitForSelector('[aria-label="Live updates connected"], .login', { timeout: 15_000 });
    await snap(page, 'security-own-page');
    await context.close();
  });

  it('a page on another local port can neither read nor write the API', async () => {
    const { context, page } = await openPage(browser);
    await page.goto(attackerUrl);
    const before = probeHits;
    const target = kith.host.url;
    const outcome = await page.evaluate(async (kithUrl) => {
      const tries: Record<string, string> = {};
      const attempt = async (name: string, run: () => Promise<unknown>) => {
        try {
          tries[name] = `ok: ${JSON.stringify(await run())}`;
        } catch (error) {
          tries[name] = `blocked: ${(error as Error).name}`;
        }
      };
      await attempt('read health', async () => (await fetch(`${kithUrl}/api/health`)).text());
      await attempt('read index (steal secret)', async () => (await fetch(`${kithUrl}/`)).text());
      await attempt('read state', async () => (await fetch(`${kithUrl}/api/identity/state`)).text());
      await attempt('write with a guessed secret', async () =>
        (await fetch(`${kithUrl}/api/test-probe`, { method: 'POST', headers: { 'x-kith-secret': 'guess' } })).status);
      // no-cors: the browser sends it but hides the answer; the host must refuse it anyway.
      await attempt('blind write (no-cors)', async () =>
        (await fetch(`${kithUrl}/api/test-probe`, { method: 'POST', mode: 'no-cors', body: 'x' })).type);
      await attempt('socket', () => new Promise((resolve, reject) => {
        const ws = new WebSocket(`${kithUrl.replace('http', 'ws')}/api/ws/?EIO=4&transport=websocket`);
        ws.onopen = () => resolve('open');
        ws.onerror = () => reject(Object.assign(new Error('ws'), { name: 'WebSocketError' }));
      }));
      return tries;
    }, target);
    // A blind form post (top-level navigation) as well.
    const navigated = page.waitForURL('**/api/test-probe');
    await page.evaluate((kithUrl) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = `${kithUrl}/api/test-probe`;
      document.body.append(form);
      form.submit();
    }, target);
    await navigated;
    await page.waitForLoadState('load');
    const formAnswer = await page.content();
    await snap(page, 'security-foreign-origin');

    expect(outcome['read health']).to.match(/^blocked/);
    expect(outcome['read index (steal secret)']).to.match(/^blocked/);
    expect(outcome['read state']).to.match(/^blocked/);
    expect(outcome['write with a guessed secret']).to.match(/^blocked/);
    expect(outcome['blind write (no-cors)']).to.equal('ok: "opaque"'); // sent, answer hidden...
    expect(outcome['socket']).to.match(/^blocked/);
    expect(formAnswer).to.contain('KITH_ERR_FORBIDDEN');
    expect(probeHits, 'no attacker request reached the route').to.equal(before); // ...and refused by the host
    await context.close();
  });

  it('refuses a DNS-rebound host name (the page and its secret are never served)', async () => {
    const { context, page } = await openPage(browser);
    const response = await page.goto(`http://rebind.test:${kith.host.port}/`);
    expect(response?.status()).to.equal(403);
    const body = await page.content();
    expect(body).to.contain('KITH_ERR_FORBIDDEN');
    expect(body).not.to.contain(kith.host.launchSecret);
    const api = await page.evaluate(async () => (await fetch('/api/health')).status);
    expect(api).to.equal(403);
    await snap(page, 'security-rebind-refused');
    await context.close();
  });
});
