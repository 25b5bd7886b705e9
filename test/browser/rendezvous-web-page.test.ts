import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { getJson, postJson, randomRoom } from '../../rendezvous/test/support/rooms.js';
import { launchBrowser, openPage } from './harness.js';
import { needs } from '../support/needs.js';

/**
 * A web page cannot make its visitors' browsers use a rendezvous server: each visitor would be a
 * fresh source address with its own quotas, so a busy page could fill rooms or the whole store.
 * Real Chromium, on a page of another origin, tries every request a page can send without a
 * CORS preflight; the server stores nothing. Peer apps (plain HTTP clients) are unaffected.
 */
describe('browser: a web page cannot use the rendezvous', function () {
  this.timeout(120_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let page: http.Server;
  let pageUrl: string;
  let browser: Browser;

  before(async () => {
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 60_000 }), host: '127.0.0.1', port: 0 });
    page = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>some site</title><h1>A page on the web</h1>');
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    if (page) await new Promise<void>((resolve) => page.close(() => resolve()));
    await rendezvous?.close();
  });

  it('stores nothing a foreign page sends (no-cors fetches, a text/plain form, a beacon), and a peer app still publishes', async () => {
    const room = randomRoom();
    const { context, page: tab } = await openPage(browser);
    await tab.goto(pageUrl);
    const sent = await tab.evaluate(async ({ base, room }) => {
      const body = JSON.stringify({ room, blob: 'from a web page' });
      const types: string[] = [];
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
        const answer = await fetch(`${base}/r/publish`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': type }, body });
        types.push(answer.type);
      }
      const beacon = navigator.sendBeacon(`${base}/r/publish`, body);
      const read = await fetch(`${base}/r/fetch/${room}`, { mode: 'no-cors' }).then((a) => a.type);
      return { types, beacon, read };
    }, { base: rendezvous.url, room });
    // The classic text/plain form that posts a JSON body: name + "=" + value.
    const navigated = tab.waitForURL('**/r/publish');
    await tab.evaluate(({ base, room }) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.enctype = 'text/plain';
      form.action = `${base}/r/publish`;
      const field = document.createElement('input');
      field.name = `{"room":"${room}","blob":"form","x":"`;
      field.value = '"}';
      form.append(field);
      document.body.append(form);
      form.submit();
    }, { base: rendezvous.url, room });
    await navigated;
    await tab.waitForLoadState('load');
    const formAnswer = await tab.content();
    await context.close();

    // The browser sent them (opaque answers, a queued beacon); the server refused every one.
    expect(sent.types).to.deep.equal(['opaque', 'opaque', 'opaque']);
    expect(sent.beacon).to.equal(true);
    expect(formAnswer).to.contain('KITH_ERR_FORBIDDEN');
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the beacon land
    expect((await getJson(`${rendezvous.url}/r/fetch/${room}`)).body.entries).to.deep.equal([]);
    expect(await rendezvous.store.stats(Date.now())).to.deep.equal({ entries: 0, bytes: 0 });

    // A peer app is a plain HTTP client: no Origin, no Sec-Fetch-Site.
    expect((await postJson(`${rendezvous.url}/r/publish`, { room, blob: 'from a peer app' })).status).to.equal(200);
    expect((await getJson(`${rendezvous.url}/r/fetch/${room}`)).body.entries.map((e: { blob: string }) => e.blob)).to.deep.equal(['from a peer app']);
  });

  it('still answers a person who opens a URL by hand (a top-level navigation)', async () => {
    const { context, page: tab } = await openPage(browser);
    const answer = await tab.goto(`${rendezvous.url}/r/health`);
    expect(answer?.status()).to.equal(200);
    expect(await answer?.json()).to.include({ status: 'ok', role: 'rendezvous' });
    await context.close();
  });
});
