import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { api, createPersona, pairByApi, waitUntil } from './shell-kit.js';

/**
 * Issue #19: a connect prompt never expired. The requester gives up after 30 s; the receiver's
 * banner stayed for minutes, and accepting it late blamed symmetric NATs. Now the prompt goes
 * when the requester stops waiting, and a late accept is refused as expired.
 */
describe('browser (shell): a stale connect prompt expires with the requester', function () {
  this.timeout(180_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let browser: Browser;
  let page: Page;
  let bobKey: string;
  const word = `expiry-${Math.random().toString(36).slice(2, 8)}`;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    [alice, bob] = await Promise.all([startTestHost(), startTestHost()]);
    await createPersona(alice, 'Alice');
    bobKey = (await createPersona(bob, 'Bob')).masterPublicKey;
    await pairByApi(alice, bob, rendezvous.url, { a: 'Alice', b: 'Bob' });
    browser = await launchBrowser();
    page = (await openPage(browser, 1280, 900)).page;
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await snap(page, `FAILED-shell-connect-prompt-${Date.now()}`);
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('drops the banner when the requester gives up, and refuses a late accept as expired', async () => {
    // Bob joins the room from his page (Manual mode: every request asks him).
    await page.goto(`${bob.host.url}/connect`);
    await page.getByTestId('rendezvous-url').fill(rendezvous.url);
    await page.getByTestId('room-word').fill(word);
    await page.getByTestId('join').click();
    await page.getByTestId('joined').waitFor({ timeout: 20_000 });

    // Alice asks to connect and waits (30 s), then gives up.
    await api(alice, 'POST', '/rendezvous/join', { url: rendezvous.url, word, mode: 'manual' });
    const asked = Date.now();
    const request = api(alice, 'POST', '/connect/request', { rendezvous_url: rendezvous.url, word, peer: bobKey }).then(
      () => ({ gaveUpAt: Date.now(), error: null as Error | null }),
      (error: Error) => ({ gaveUpAt: Date.now(), error }),
    );

    const prompt = page.getByTestId('connect-prompt');
    await prompt.waitFor({ timeout: 20_000 });
    expect(await prompt.textContent()).to.contain('Alice');
    // The host tells the page how long the requester still waits.
    const poll = await api<{ requests: { nonce: string; expires_in_ms: number }[] }>(bob, 'POST', '/rendezvous/poll', { url: rendezvous.url, word });
    expect(poll.requests).to.have.length(1);
    expect(poll.requests[0]!.expires_in_ms).to.be.within(1, 30_000);
    const nonce = poll.requests[0]!.nonce;
    await snap(page, 'shell-connect-prompt-fresh');

    const outcome = await request;
    expect(outcome.error?.message, 'the requester timed out').to.match(/504|did not accept/);
    expect(outcome.gaveUpAt - asked).to.be.within(29_000, 40_000);
    // The banner goes with the requester's wait (a poll, 2.5 s, at most after it).
    await waitUntil('the stale prompt to go', async () => (await prompt.count()) === 0, 5_000);
    expect(Date.now() - outcome.gaveUpAt, 'gone soon after the requester gave up').to.be.lessThan(5_000);
    const again = await api<{ requests: unknown[] }>(bob, 'POST', '/rendezvous/poll', { url: rendezvous.url, word });
    expect(again.requests, 'the host no longer lists it').to.deep.equal([]);

    // Accepting it now (an old tab, a script) says it expired, not "no direct path".
    const late = await api(bob, 'POST', '/connect/accept', { rendezvous_url: rendezvous.url, word, nonce, peer: await aliceKey(), punch_at_ms: Date.now() })
      .then(() => null, (error: Error & { body?: string }) => error);
    expect(late, 'a late accept fails').to.not.equal(null);
    expect(late!.body).to.match(/expired/i);
    expect(late!.body).to.not.match(/symmetric|No direct path/i);
    await snap(page, 'shell-connect-prompt-expired');
  });

  async function aliceKey(): Promise<string> {
    const friends = await api<{ master_pubkey: string }[]>(bob, 'GET', '/friends');
    return friends[0]!.master_pubkey;
  }
});
