/**
 * Regression tests (issue 19) for what the conversation shows and what the composer keeps, in
 * Chromium against two real Kith programs: long and multi-line messages in full with variable row
 * heights in a list that fills the window, nothing typed during a send is lost, and 200 fast sends
 * all arrive once, in order; Reply and Edit in a message menu leave the cursor in the composer; the
 * composer checks the size limit in bytes before sending, and neither cuts nor loses an over-long draft.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { MAX_BODY_BYTES } from '../../extensions/chat/src/chat-codec.js';
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
    // ... and not beyond it: the page itself does not scroll (it used to, by 9 px, under the card).
    expect(await a.evaluate(() => document.scrollingElement!.scrollHeight - innerHeight), 'page overflow, px').to.be.at.most(0);
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

  it('puts the cursor in the composer after Reply or Edit in a message menu, by mouse and by keyboard', async () => {
    const composer = a.getByTestId('composer');
    const focused = () => a.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    await send(a, 'focus target');
    const row = messageRow(a, 'focus target');
    await row.waitFor({ timeout: 30_000 });
    const menuClosed = () => a.getByRole('menu').waitFor({ state: 'detached', timeout: 5_000 });

    // Mouse: Reply, then type. The text lands in the composer, and Enter sends it as the reply.
    await row.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Reply' }).click();
    await menuClosed();
    expect(await focused(), 'focus after Reply').to.equal('composer');
    await a.keyboard.type('typed after Reply');
    expect(await composer.inputValue()).to.equal('typed after Reply');
    await a.keyboard.press('Enter');
    const reply = messageRow(b, 'typed after Reply');
    await reply.waitFor({ timeout: 30_000 });
    expect(await reply.getByTestId('quote').textContent()).to.contain('focus target');

    // Mouse: Edit.
    await row.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    await menuClosed();
    expect(await focused(), 'focus after Edit').to.equal('composer');
    await a.keyboard.type('!');
    expect(await composer.inputValue()).to.equal('focus target!');
    await a.keyboard.press('Escape');

    // Keyboard: Enter on "…", arrows down to Edit, Enter, type "Z".
    await row.getByTestId('message-menu').focus();
    await a.keyboard.press('Enter');
    await a.getByRole('menu').waitFor();
    for (let i = 0; i < 12 && (await a.evaluate(() => document.activeElement?.textContent?.trim())) !== 'Edit'; i++) await a.keyboard.press('ArrowDown');
    await a.keyboard.press('Enter');
    await menuClosed();
    expect(await focused(), 'focus after Edit by keyboard').to.equal('composer');
    await a.keyboard.type('Z');
    expect(await composer.inputValue()).to.equal('focus targetZ');
    await a.keyboard.press('Escape');
    // The page renders the cleared draft on its next change detection, not within the key press.
    await a.waitForFunction(() => (document.querySelector('[data-testid="composer"]') as HTMLTextAreaElement).value === '', undefined, { timeout: 5_000 });
    // No Enter went to the menu: no reaction was sent by accident.
    expect(await row.getByTestId('reactions').count()).to.equal(0);

    // Closing the menu otherwise still gives focus back to its button.
    await row.getByTestId('message-menu').focus();
    await a.keyboard.press('Enter');
    await a.getByRole('menu').waitFor();
    await a.keyboard.press('Escape');
    await menuClosed();
    expect(await focused(), 'focus after Escape in the menu').to.equal('message-menu');

    // Opened and closed before the page renders once (a busy machine, a fast hand): the menu's
    // first-item focus still lands after the close, in the panel being removed. Focus stays on "…".
    const keyCode = await row.getByTestId('message-menu').evaluate((button) => {
      (button as HTMLElement).click();
      const escape = new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', keyCode: 27, bubbles: true, cancelable: true });
      button.dispatchEvent(escape);
      return escape.keyCode;
    });
    expect(keyCode, 'the synthetic Escape carries its key code (the menu reads it)').to.equal(27);
    await menuClosed();
    await a.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await focused(), 'focus after a menu closed within a frame').to.equal('message-menu');
  });

  // The message size limit: MAX_BODY_BYTES of UTF-8, checked in the composer before sending.
  const composer = () => a.getByTestId('composer');
  const sendButton = () => a.locator('form.composer button[type="submit"]');
  /** The counter as the page formats it, e.g. "2,500 / 1,900": the host's limit. */
  const counterFor = (bytes: number) => a.evaluate(([n, max]) => `${n.toLocaleString()} / ${max.toLocaleString()}`, [bytes, MAX_BODY_BYTES]);
  /** The composer's size line: shown, in the error colour, in a polite live region. */
  async function expectOverLimit(bytes: number, charactersOver: number): Promise<void> {
    const size = a.getByTestId('composer-size');
    expect(await size.getAttribute('aria-live')).to.equal('polite');
    expect(await size.getByTestId('composer-count').textContent()).to.equal(await counterFor(bytes));
    expect((await size.getByTestId('too-long').textContent())?.trim()).to.match(new RegExp(`^Too long to send: ${charactersOver} characters over\\. `));
    const colours = await size.evaluate((el) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--mat-sys-error)';
      el.append(probe);
      const error = getComputedStyle(probe).color;
      probe.remove();
      return { line: getComputedStyle(el).color, error };
    });
    expect(colours.line).to.equal(colours.error);
    expect(await sendButton().isDisabled(), 'Send is off').to.equal(true);
  }
  const clearComposer = async () => {
    await composer().fill('');
    await a.keyboard.press('Escape');
  };
  // Each test leaves the composer empty and out of reply or edit for the next one.
  afterEach(clearComposer);

  it('keeps a 2,500-character paste whole, shows how far over it is, and neither sends nor cuts it', async () => {
    const pasted = `paste start ${'p'.repeat(2478)} paste end`;
    expect(pasted.length).to.equal(2500);
    const stored = (await storedBodies(peers.alice, peers.bob)).length;
    await composer().click();
    await a.keyboard.insertText(pasted);
    expect((await composer().inputValue()).length, 'nothing cut').to.equal(2500);
    await expectOverLimit(2500, 600);
    await a.keyboard.press('Enter');
    await a.waitForTimeout(500);
    expect(await composer().inputValue(), 'the draft is kept').to.equal(pasted);
    expect((await storedBodies(peers.alice, peers.bob)).length, 'nothing sent').to.equal(stored);
    expect(await a.getByTestId('retry').count()).to.equal(0);
    await snap(a, 'chat-composer-03-too-long');
  });

  it('counts bytes, not characters: 1,500 × "é" (3,000 bytes) is over, 950 × "é" (1,900 bytes) sends', async () => {
    const stored = (await storedBodies(peers.alice, peers.bob)).length;
    await composer().click();
    await a.keyboard.insertText('é'.repeat(1500));
    await expectOverLimit(3000, 550);
    await a.keyboard.press('Enter');
    await a.waitForTimeout(500);
    expect(await composer().inputValue(), 'the draft is kept').to.equal('é'.repeat(1500));
    expect((await storedBodies(peers.alice, peers.bob)).length, 'nothing sent').to.equal(stored);
    expect(await a.getByTestId('retry').count(), 'no bubble that can never be delivered').to.equal(0);

    // Shortened to exactly the limit: the counter says so, without the error, and it sends.
    await composer().fill('é'.repeat(950));
    expect(await a.getByTestId('composer-count').textContent()).to.equal(await counterFor(1900));
    expect(await a.getByTestId('too-long').count()).to.equal(0);
    expect(await sendButton().isDisabled()).to.equal(false);
    await a.keyboard.press('Enter');
    await messageRow(b, 'é'.repeat(950)).waitFor({ timeout: 30_000 });
    expect(await a.getByTestId('composer-count').count(), 'no counter for an empty composer').to.equal(0);
  });

  it('treats an edit the same way: Save is off while the edited text is over the limit', async () => {
    await send(a, 'edit me later');
    const row = messageRow(a, 'edit me later');
    await row.waitFor({ timeout: 30_000 });
    await row.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    await a.getByRole('menu').waitFor({ state: 'detached', timeout: 5_000 });
    await composer().focus();
    await a.keyboard.press('End');
    // 13 + 1 + 2,000 bytes: 114 over, 57 "é" to take off.
    await a.keyboard.insertText(` ${'é'.repeat(1000)}`);
    await expectOverLimit(2014, 57);
    expect(await sendButton().textContent()).to.contain('Save');
    await a.keyboard.press('Enter');
    await a.waitForTimeout(500);
    expect(await composer().inputValue(), 'the edit is kept').to.equal(`edit me later ${'é'.repeat(1000)}`);
    expect(await a.getByText('Editing your message').count(), 'still editing').to.equal(1);
    expect(await a.locator('p.error').count(), 'no error from the host').to.equal(0);
    expect((await storedBodies(peers.bob, peers.alice)).includes('edit me later'), 'unchanged at Bob').to.equal(true);

    await composer().fill('edit me later, shorter');
    await a.keyboard.press('Enter');
    await messageRow(b, 'edit me later, shorter').waitFor({ timeout: 30_000 });
  });

  it('gives an edit the host refuses back to the composer, still editing, instead of losing it', async () => {
    await send(a, 'deleted while edited');
    const row = messageRow(a, 'deleted while edited');
    await row.waitFor({ timeout: 30_000 });
    await row.getByTestId('message-menu').click();
    await a.getByRole('menuitem', { name: 'Edit' }).click();
    await a.getByRole('menu').waitFor({ state: 'detached', timeout: 5_000 });
    // Meanwhile the message is deleted (another tab): the host refuses the edit.
    const { messages } = await peers.alice.request<{ messages: { id: string; body: string }[] }>('GET', `/friends/${keyOf(peers.bob)}/messages?limit=50`);
    const id = messages.find((m) => m.body === 'deleted while edited')!.id;
    await peers.alice.request('DELETE', `/chat_messages/${id}`);
    await composer().fill('the edited words');
    await a.keyboard.press('Enter');
    await a.locator('p.error').first().waitFor({ timeout: 10_000 });
    expect(await composer().inputValue(), 'the edit is given back').to.equal('the edited words');
    expect(await a.getByText('Editing your message').count(), 'still editing').to.equal(1);
    await a.keyboard.press('Escape');
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
