import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { MemoryRoomStore } from '../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../rendezvous/src/server/server.js';
import { ARTIFACTS, ensureClientBuilt, launchBrowser, openPage, snap, startTestHost, type TestHost } from './harness.js';
import { needs } from '../support/needs.js';

const PASSPHRASE = 'two friends one room';

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function createPersona(page: Page, url: string, label: string): Promise<void> {
  await page.goto(url);
  await page.waitForURL('**/login');
  await page.getByTestId('create-label').fill(label);
  await page.getByTestId('create-passphrase').fill(PASSPHRASE);
  await page.getByTestId('create-repeat').fill(PASSPHRASE);
  await page.getByTestId('create-submit').click();
  await page.getByTestId('mnemonic-written').click({ timeout: 30_000 });
  await page.getByTestId('mnemonic-confirm').click();
  await page.waitForURL('**/chats');
  // Rooms and pairing live on the Connect page (conversations first on Chats).
  await page.getByRole('tab', { name: 'Connect' }).click();
  await page.getByTestId('pair-friend').waitFor({ timeout: 20_000 });
}

async function joinRoom(page: Page, rendezvousUrl: string, word: string): Promise<void> {
  await page.getByTestId('rendezvous-url').fill(rendezvousUrl);
  await page.getByTestId('room-word').fill(word);
  await page.getByTestId('join').click();
  await page.getByTestId('joined').waitFor({ timeout: 20_000 });
}

/**
 * Two peer apps, each driven only through its own page in Chromium: pair by code, meet in a room,
 * connect with Accept, and chat both ways through the chat extension's panel.
 */
describe('browser: two instances pair, connect and chat through their UIs', function () {
  this.timeout(300_000);
  needs('chromium');
  let rendezvous: RunningRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let browser: Browser;
  let a: Page;
  let b: Page;
  const errorLists: string[][] = [];
  const word = `room-${Math.random().toString(36).slice(2, 8)}`;

  before(async () => {
    ensureClientBuilt();
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    [alice, bob] = await Promise.all([startTestHost(), startTestHost()]);
    browser = await launchBrowser();
    const pa = await openPage(browser, 1280, 900);
    const pb = await openPage(browser, 1280, 900);
    [a, b] = [pa.page, pb.page];
    errorLists.push(pa.errors, pb.errors);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const stamp = Date.now();
      await snap(a, `FAILED-conversation-alice-${stamp}`);
      await snap(b, `FAILED-conversation-bob-${stamp}`);
      // What each host saw, for the post-mortem.
      for (const [name, t] of [['alice', alice], ['bob', bob]] as const) {
        const dump: Record<string, unknown> = {};
        for (const route of ['/api/diagnostics/rendezvous', '/api/diagnostics/traces', '/api/diagnostics/rooms', '/api/sessions']) {
          dump[route] = await (await t.host.fetch(route)).json().catch(() => null);
        }
        fs.writeFileSync(path.join(ARTIFACTS, `FAILED-conversation-${name}-${stamp}.json`), JSON.stringify(dump, null, 2));
      }
    }
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('creates a persona on each instance', async () => {
    await Promise.all([createPersona(a, alice.host.url, 'Alice'), createPersona(b, bob.host.url, 'Bob')]);
  });

  it('shows unpaired peers only when asked, as plaintext rows', async () => {
    const lobby = `${word}-lobby`;
    await Promise.all([joinRoom(a, rendezvous.url, lobby), joinRoom(b, rendezvous.url, lobby)]);
    const rows = a.locator('kith-peer-list li.peer');
    await a.waitForTimeout(3000); // at least one poll
    expect(await rows.count(), 'friends only by default').to.equal(0);
    await a.getByTestId('show-strangers').getByRole('switch').click();
    await b.getByTestId('show-strangers').getByRole('switch').click();
    await rows.first().waitFor({ timeout: 20_000 });
    expect(await rows.first().textContent()).to.contain('plaintext');
    await snap(a, 'conversation-00-strangers');
    await a.getByTestId('show-strangers').getByRole('switch').click();
    await b.getByTestId('show-strangers').getByRole('switch').click();
    await waitUntil('the stranger row to go', async () => (await rows.count()) === 0, 10_000);
    await Promise.all([a.getByTestId('leave').click(), b.getByTestId('leave').click()]);
    await a.getByTestId('join').waitFor();
    await b.getByTestId('join').waitFor();
  });

  it('pairs by a code (a number and four words) typed into the other page; both see the same safety code', async () => {
    const pairA = a.getByTestId('pair-friend');
    const pairB = b.getByTestId('pair-friend');
    // One rendezvous URL on the Connect page serves the room and pairing.
    await a.getByTestId('rendezvous-url').fill(rendezvous.url);
    await pairA.getByLabel("Friend's name").fill('Bob');
    await pairA.getByRole('button', { name: 'Generate code' }).last().click();
    const code = (await pairA.getByTestId('pair-code').textContent({ timeout: 20_000 }))!.trim();
    expect(code).to.match(/^[1-9][0-9]{0,2}(-[a-z]+){4}$/);
    await snap(a, 'conversation-01-alice-code');

    await pairB.getByRole('radio', { name: 'Join with code' }).click().catch(async () => pairB.getByText('Join with code').click());
    await b.getByTestId('rendezvous-url').fill(rendezvous.url);
    await pairB.getByLabel("Friend's name").fill('Alice');
    await pairB.getByLabel('Their code (number and four words)').fill(code.replace(/-/g, ' '));
    await pairB.getByRole('button', { name: 'Join', exact: true }).click();

    const safetyA = (await pairA.getByTestId('safety-code').textContent({ timeout: 60_000 }))!.trim();
    const safetyB = (await pairB.getByTestId('safety-code').textContent({ timeout: 60_000 }))!.trim();
    expect(safetyA).to.equal(safetyB);
    await snap(b, 'conversation-02-bob-paired');
  });

  it('meets in a room, connects with Accept, and chats both ways', async () => {
    await Promise.all([joinRoom(a, rendezvous.url, word), joinRoom(b, rendezvous.url, word)]);
    // Friends first: Bob appears in Alice's list under the name she gave him, marked as a friend.
    const bobRow = a.locator('kith-peer-list li.peer').filter({ hasText: 'Bob' });
    await bobRow.waitFor({ timeout: 30_000 });
    expect(await bobRow.textContent()).to.contain('sealed');
    await snap(a, 'conversation-03-alice-room');

    await bobRow.getByTestId('connect').click();
    const prompt = b.getByTestId('connect-prompt');
    await prompt.waitFor({ timeout: 30_000 });
    expect(await prompt.textContent()).to.contain('Alice');
    await snap(b, 'conversation-04-bob-prompt');
    await prompt.getByTestId('accept').click();

    // Both pages open the conversation once the session is up.
    await a.waitForURL(/peer=/, { timeout: 60_000 });
    await b.waitForURL(/peer=/, { timeout: 60_000 });
    const sessions = (await (await alice.host.fetch('/api/sessions')).json()) as { sessions: unknown[] };
    expect(sessions.sessions).to.have.length(1);

    const hello = `Hello Bob, typed in a browser ${Date.now()}`;
    await a.getByTestId('composer').fill(hello);
    await a.getByTestId('composer').press('Enter');
    await b.getByTestId('message-list').getByText(hello).waitFor({ timeout: 30_000 });

    const reply = 'Hi Alice, loud and clear';
    await b.getByTestId('composer').fill(reply);
    await b.getByRole('button', { name: 'Send' }).click();
    await a.getByTestId('message-list').getByText(reply).waitFor({ timeout: 30_000 });
    await snap(a, 'conversation-05-alice-chat');
    await snap(b, 'conversation-06-bob-chat');
    // Back on Connect the row says the session is live (from the host's session:open event), with the stage trace.
    await a.getByRole('tab', { name: 'Connect' }).click();
    await bobRow.getByTestId('live').waitFor({ timeout: 10_000 });
    expect(await a.getByTestId('connect-trace').textContent()).to.contain('connected');
  });

  it("shows the connect trace and the joined room on the Diagnostics page", async () => {
    await a.getByRole('tab', { name: 'Diagnostics' }).click();
    await a.getByTestId('log-traces').locator('li .badge').first().waitFor({ timeout: 15_000 });
    await a.getByTestId('joined-rooms').getByText(rendezvous.url).waitFor({ timeout: 15_000 });
    expect(await a.getByTestId('log-rendezvous').locator('li').count()).to.be.greaterThan(0);
    await snap(a, 'conversation-07-alice-tester');
    await a.getByRole('tab', { name: 'Connect' }).click();
  });

  it('in Auto mode accepts a friend at once and offers Undo, which closes the session', async () => {
    type Sessions = { sessions: { peer: string; peer_id: string }[] };
    const sessionsOf = async (t: TestHost) => ((await (await t.host.fetch('/api/sessions')).json()) as Sessions).sessions;
    await b.getByRole('tab', { name: 'Connect' }).click();
    // Disconnect from the peer row.
    await a.locator('kith-peer-list li.peer').filter({ hasText: 'Bob' }).getByTestId('disconnect').click();
    await waitUntil('both sides to drop the session', async () => (await sessionsOf(alice)).length === 0 && (await sessionsOf(bob)).length === 0);

    await b.getByTestId('mode-auto').click();
    const bobRow = a.locator('kith-peer-list li.peer').filter({ hasText: 'Bob' });
    await waitUntil("Bob's auto mode to show in Alice's room", async () => ((await bobRow.textContent()) ?? '').includes('auto'), 20_000);
    await bobRow.getByTestId('connect').click();
    const toast = b.locator('mat-snack-bar-container').filter({ hasText: 'auto-accepted' });
    await toast.waitFor({ timeout: 30_000 });
    expect(await b.getByTestId('connect-prompt').count(), 'no Accept prompt in Auto mode').to.equal(0);
    await snap(b, 'conversation-08-bob-auto-accept');
    await waitUntil('the auto-accepted session', async () => (await sessionsOf(bob)).length === 1, 30_000);
    await toast.getByRole('button', { name: 'Undo' }).click();
    await waitUntil('Undo to close the session at Bob', async () => (await sessionsOf(bob)).length === 0, 15_000);
  });

  it('in Manual mode a declined request opens no session', async () => {
    type Sessions = { sessions: unknown[] };
    const sessionsOf = async (t: TestHost) => ((await (await t.host.fetch('/api/sessions')).json()) as Sessions).sessions;
    await waitUntil('no session left from the undo', async () => (await sessionsOf(alice)).length === 0, 20_000);
    // A connect opens the conversation on Chats: back to Connect on both pages.
    await a.getByRole('tab', { name: 'Connect' }).click();
    await b.getByRole('tab', { name: 'Connect' }).click();
    await b.getByTestId('mode-manual').click();
    const bobRow = a.locator('kith-peer-list li.peer').filter({ hasText: 'Bob' });
    await waitUntil("Bob's manual mode to show in Alice's room", async () => ((await bobRow.textContent()) ?? '').includes('manual'), 20_000);
    // Bob is on another page: the prompt reaches him there.
    await b.getByRole('tab', { name: 'Diagnostics' }).click();
    await b.waitForURL('**/diagnostics');
    await bobRow.getByTestId('connect').click();
    const prompt = b.getByTestId('connect-prompt');
    await prompt.waitFor({ timeout: 30_000 });
    await snap(b, 'conversation-10-bob-prompt-on-tester');
    await prompt.getByTestId('decline').click();
    await prompt.waitFor({ state: 'detached', timeout: 5_000 });
    await new Promise((r) => setTimeout(r, 4000));
    expect(await sessionsOf(bob)).to.have.length(0);
    expect(await b.getByTestId('connect-prompt').count(), 'the declined request does not come back').to.equal(0);
    await b.getByRole('tab', { name: 'Chats' }).click();
  });

  it('fits 360 px with a joined room, a peer row and an open conversation', async () => {
    await a.setViewportSize({ width: 360, height: 780 });
    await a.goto(`${alice.host.url}/chats?peer=self`);
    await a.getByTestId('composer').waitFor();
    // On a phone the open conversation fills the screen; Back shows the list.
    expect(await a.getByTestId('conversation-list').isVisible()).to.equal(false);
    await snap(a, 'conversation-09-narrow');
    const fits = async () => a.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(await fits(), 'no sideways scroll in the conversation').to.equal(true);
    await a.getByTestId('back-to-list').click();
    await a.getByTestId('conversation-list').waitFor({ state: 'visible' });
    // A reload kept this tab in the room (per-tab mark): Connect shows it and the peer row.
    await a.getByRole('tab', { name: 'Connect' }).click();
    await a.getByTestId('joined').waitFor({ timeout: 15_000 });
    await a.locator('kith-peer-list li.peer').first().waitFor({ timeout: 10_000 });
    expect(await fits(), 'no sideways scroll on Connect').to.equal(true);
  });

  it('raised no page errors and no Content-Security-Policy violations on either page', () => {
    expect(errorLists.flat()).to.deep.equal([]);
  });
});
