/**
 * Regression tests (issue 19) for what the conversation shows and what the composer keeps, in
 * Chromium against two real Kith programs: long and multi-line messages in full with variable row
 * heights in a list that fills the window, nothing typed during a send is lost, and 200 fast sends
 * all arrive once, in order.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, keyOf, messageRow, send, startChatPeers, storedBodies, type ChatPeers } from './chat-peers.js';
import { snap } from './harness.js';

describe('browser: chat composer and message rendering (two peers)', function () {
  this.timeout(300_000);
  needs('chromium');
  let peers: ChatPeers;
  let a: Page;
  let b: Page;

  before(async () => {
    peers = await startChatPeers({ connected: true });
    a = await peers.open(peers.alice, peers.bob);
    b = await peers.open(peers.bob, peers.alice);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-chat-composer-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('shows a long message and Shift+Enter line breaks in full, in rows of their own height, in a list that fills the window', async () => {
    const long = `Long message start. ${'All of this must stay readable, nothing cut off with an ellipsis. '.repeat(14)}The very end.`;
    await send(a, long);
    await a.getByTestId('composer').click();
    await a.keyboard.type('first line');
    await a.keyboard.press('Shift+Enter');
    await a.keyboard.type('second line');
    await a.keyboard.press('Shift+Enter');
    await a.keyboard.type('third line');
    await a.keyboard.press('Enter');
    await send(a, 'short');

    for (const page of [a, b]) {
      const longRow = messageRow(page, long);
      await longRow.waitFor({ timeout: 30_000 });
      const body = longRow.getByTestId('message-body');
      // The whole text is there and drawn: nothing clamped (no hidden overflow), the end visible.
      expect(await body.textContent()).to.equal(long);
      const clip = await body.evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight, clamp: getComputedStyle(el).webkitLineClamp }));
      expect(clip.scroll).to.be.at.most(clip.client + 1);
      expect(clip.clamp === 'none' || clip.clamp === '').to.equal(true);

      const multi = page.getByTestId('message-body').filter({ hasText: 'first line' });
      await multi.waitFor({ timeout: 30_000 });
      expect(await multi.evaluate((el) => (el as HTMLElement).innerText)).to.equal('first line\nsecond line\nthird line');
      const heights = {
        long: await longRow.evaluate((el) => el.getBoundingClientRect().height),
        multi: await page.getByTestId('message').filter({ has: multi }).evaluate((el) => el.getBoundingClientRect().height),
        short: await messageRow(page, 'short').evaluate((el) => el.getBoundingClientRect().height),
      };
      expect(heights.long, 'a long message is taller than a short one').to.be.greaterThan(heights.short * 2.5);
      expect(heights.multi, 'three lines are taller than one').to.be.greaterThan(heights.short * 1.6);
      // Rows do not overlap: each starts at or below where the one above ends.
      const tops = await page.getByTestId('message-list').locator('.vrow').evaluateAll((rows) =>
        rows.map((r) => r.getBoundingClientRect()).sort((x, y) => x.top - y.top).map((r) => [r.top, r.bottom]));
      for (let i = 1; i < tops.length; i++) expect(tops[i]![0]).to.be.at.least(tops[i - 1]![1] - 1);
    }
    // The list fills the window below the panel (1280×800: far more than the old 400 px).
    const list = await a.getByTestId('message-list').boundingBox();
    expect(list!.height).to.be.greaterThan(450);
    expect(list!.y + list!.height).to.be.greaterThan(800 - 200);
    await snap(a, 'chat-composer-01-long-and-multiline');
  });

  it('keeps what is typed while the previous send is in flight ("Thanks" stays "Thanks")', async () => {
    // Slow every send down, so typing certainly happens while one is in flight.
    await a.route('**/api/sessions/*/messages', async (route) => {
      await new Promise((r) => setTimeout(r, 400));
      await route.continue();
    });
    await send(a, 'one moment');
    await a.keyboard.type('Thanks');
    expect(await a.getByTestId('composer').inputValue()).to.equal('Thanks');
    await a.waitForTimeout(800); // the first send completes
    expect(await a.getByTestId('composer').inputValue()).to.equal('Thanks');
    await a.keyboard.press('Enter');
    await messageRow(b, 'Thanks').waitFor({ timeout: 30_000 });
    expect(await a.getByTestId('composer').inputValue()).to.equal('');
    await a.unroute('**/api/sessions/*/messages');
  });

  it('sends 200 messages typed as fast as the keyboard goes: all arrive once, in order, nothing lost at the composer', async () => {
    const before = (await storedBodies(peers.bob, peers.alice)).length;
    const bodies = Array.from({ length: 200 }, (_, i) => `fast ${String(i + 1).padStart(3, '0')}`);
    const started = Date.now();
    await a.getByTestId('composer').click();
    for (const body of bodies) {
      await a.keyboard.type(body);
      await a.keyboard.press('Enter');
    }
    const typedMs = Date.now() - started;
    await eventually('200 messages at Bob', async () => (await storedBodies(peers.bob, peers.alice)).length >= before + 200, 120_000);
    const allMs = Date.now() - started;
    const atBob = (await storedBodies(peers.bob, peers.alice)).slice(before);
    expect(atBob).to.deep.equal(bodies);
    const atAlice = (await storedBodies(peers.alice, peers.bob)).filter((body) => body.startsWith('fast '));
    expect(atAlice).to.deep.equal(bodies);
    // And Bob's page shows the last one, with the list still holding only the visible rows.
    await messageRow(b, 'fast 200').waitFor({ timeout: 30_000 });
    expect(await b.getByTestId('message-list').locator('.vrow').count()).to.be.lessThan(80);
    await eventually("Alice's ticks to leave 'queued'", async () =>
      (await a.getByTestId('tick').evaluateAll((ticks) => ticks.filter((t) => t.getAttribute('data-state') === 'queued').length)) === 0, 60_000);
    console.log(`      200 messages typed in ${typedMs} ms; all stored at Bob ${allMs} ms after the first key (${keyOf(peers.bob).slice(0, 8)}…)`);
    await snap(b, 'chat-composer-02-bob-after-200');
  });

  it('raised no page errors', () => {
    expect(peers.errors).to.deep.equal([]);
  });
});
