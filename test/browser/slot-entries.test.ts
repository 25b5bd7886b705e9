/**
 * Slots of entries (API 1.7) in Chromium, with a third-party fixture (test/browser/fixtures/postcards)
 * on both ends of the primitive: as a contributor, its postcards sit in chat's timeline among the
 * messages, each in a sandboxed frame of its own, placed by time, gone when it is turned off; as
 * an owner, its page reads its own slot of entries with `watchSlotEntries` from inside its frame,
 * renders each with `renderSlotEntry` (nested frames), follows changes, may not read chat's slot,
 * and never sees badly formed entries.
 */
import { expect } from 'chai';
import type { FrameLocator, Page } from 'playwright-core';
import { snap, type TestHost } from './harness.js';
import { startPostcardsRig, type PostcardsRig } from './postcards-kit.js';
import { api, waitUntil } from './shell-kit.js';
import { needs } from '../support/needs.js';

const CARD = 'iframe[data-kith-view="postcards/postcards.card"]';

/** The conversation's rows in reading order: message texts, and entries by their accessible name. */
function timelineOrder(page: Page): Promise<string[]> {
  return page.getByTestId('message-list').evaluate((list) =>
    [...list.querySelectorAll<HTMLElement>('.vrow')]
      .sort((x, y) => Number(x.dataset['index']) - Number(y.dataset['index']))
      .map((row) => row.querySelector('[data-testid="timeline-entry"]')?.getAttribute('aria-label')?.replace(/, from the extension .*$/, '') ?? row.querySelector('[data-testid="message-body"]')?.textContent ?? '')
      .filter((text) => text !== ''),
  );
}

function wall(page: Page): FrameLocator {
  return page.frameLocator('iframe[data-kith-view="postcards/postcards.page"]');
}

describe('browser: slots of entries (chat timeline, a third-party wall)', function () {
  this.timeout(240_000);
  needs('chromium');
  let rig: PostcardsRig;
  let kith: TestHost;
  let page: Page;

  before(async function () {
    this.timeout(600_000); // the shared client build may be rebuilding
    rig = await startPostcardsRig('Pat', ['polls']);
    ({ kith, page } = rig);
  });
  afterEach(async function () {
    await rig?.snapIfFailed(this.currentTest, 'slot-entries');
    // A test that failed while the route hung must not leave it hanging for the next.
    if (this.currentTest?.state === 'failed') await api(kith, 'POST', '/postcards/send', { hang: false }).catch(() => undefined);
  });
  after(async () => rig?.close());

  it("puts a third-party extension's entries among chat's messages by time, each in its own frame, and drops them when it is turned off", async () => {
    const first = await api<{ sent_at: number }>(kith, 'POST', '/self/messages', { body: 'first note' });
    await page.goto(`${kith.host.url}/chats?peer=self`);
    await page.getByTestId('message-body').filter({ hasText: 'first note' }).waitFor({ timeout: 30_000 });

    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'p1' });
    const card = page.getByTestId('timeline-entry').filter({ has: page.locator(CARD) });
    await card.waitFor({ timeout: 30_000 });
    await page.frameLocator(CARD).locator('postcards-card [data-part="card"]').filter({ hasText: 'Postcard p1 for self' }).waitFor({ timeout: 30_000 });
    // A third party's entry says whose it is, seen and heard, so it cannot pass for a message.
    expect(await card.getAttribute('aria-label')).to.equal('Postcard p1, from the extension Postcards');
    expect(await card.getByTestId('entry-source').innerText()).to.match(/Postcards$/);
    expect(await card.getAttribute('data-extension')).to.equal('postcards');

    await api(kith, 'POST', '/self/messages', { body: 'second note' });
    // A postcard dated before the first note goes above it, not at the end where it arrived.
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'p0', at: first.sent_at - 60_000 });
    // One for another conversation stays out of this one.
    await api(kith, 'POST', '/postcards/send', { peer: 'a'.repeat(64), id: 'elsewhere' });
    await waitUntil('both postcards and both notes in order', async () =>
      JSON.stringify(await timelineOrder(page)) === JSON.stringify(['Postcard p0', 'first note', 'Postcard p1', 'second note']),
    ).catch(async (error) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(await timelineOrder(page))}`);
    });
    expect(await page.locator(CARD).count()).to.equal(2);
    for (const id of ['p0', 'p1']) await page.frameLocator(`${CARD} >> nth=${id === 'p0' ? 0 : 1}`).locator('postcards-card [data-part="card"]').filter({ hasText: `Postcard ${id} for self` }).waitFor({ timeout: 30_000 });
    // Laid out once the frames have their size: no row drawn over another.
    await waitUntil('rows that do not overlap', async () => {
      const boxes = await page.locator('.vrow').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect()).map((b) => [b.top, b.bottom]).sort((x, y) => x[0]! - y[0]!));
      return boxes.every((box, i) => i === 0 || box[0]! >= boxes[i - 1]![1]! - 1);
    });
    await snap(page, 'slot-entries-01-chat-timeline');
    // Each frame is out of the Tab order until its row is walked to (the conversation is one Tab stop).
    const frameTabIndex = (n: number) => page.locator(CARD).nth(n).evaluate((frame: HTMLIFrameElement) => frame.tabIndex);
    expect([await frameTabIndex(0), await frameTabIndex(1)]).to.deep.equal([-1, -1]);
    await page.getByTestId('message').filter({ hasText: 'second note' }).focus();
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).to.equal('Postcard p1, from the extension Postcards');
    expect([await frameTabIndex(0), await frameTabIndex(1)], 'p1 walked to').to.deep.equal([-1, 0]);

    await api(kith, 'POST', '/extensions/postcards', { enabled: false });
    await waitUntil('the postcards leave the timeline', async () => (await page.getByTestId('timeline-entry').count()) === 0);
    expect(await timelineOrder(page)).to.deep.equal(['first note', 'second note']);
    await api(kith, 'POST', '/extensions/postcards', { enabled: true });
    // Turned on again, it runs afresh (its postcards were in memory): a new one shows at once.
    // Sent once its routes answer again (on a loaded machine it may still be starting).
    await waitUntil('postcards answering again', async () => (await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'p5' }), true));
    await waitUntil('a postcard after turning it on again', async () => JSON.stringify(await timelineOrder(page)) === JSON.stringify(['first note', 'second note', 'Postcard p5']));
  });

  it("keeps the page, other contributors and other extensions' views working while one never answers its entries route nor its views' calls", async () => {
    await page.goto(`${kith.host.url}/chats?peer=self`);
    await page.getByTestId('message-body').filter({ hasText: 'second note' }).waitFor({ timeout: 30_000 });
    // The page's first read of the postcards is in before the route starts hanging (on a slow
    // machine it could still be on its way, and then there would be no card to call from).
    await page.frameLocator(CARD).first().locator('postcards-card [data-part="card"]').filter({ hasText: 'Postcard p5 for self' }).waitFor({ timeout: 30_000 });
    await api(kith, 'POST', '/postcards/send', { hang: true });
    // Each change asks for a new read: a page that started one per change would run out of connections.
    for (let i = 0; i < 12; i++) await api(kith, 'POST', '/postcards/send', { peer: 'self', id: `h${i}` });
    // A view's own calls to the hanging route, more than the page has connections: queued, not all sent.
    await page.frameLocator(CARD).first().locator('postcards-card').evaluate((card: any) => {
      for (let i = 0; i < 8; i++) card.kithHost.request('GET', '/postcards/timeline?peer=self').catch(() => undefined);
    });
    await page.waitForTimeout(500);
    const composer = page.getByTestId('composer');
    await composer.fill('sent while a contributor hangs');
    const started = Date.now();
    await composer.press('Enter');
    await page.getByTestId('message-body').filter({ hasText: 'sent while a contributor hangs' }).waitFor({ timeout: 30_000 });
    await waitUntil('the message stored', async () => (await api<{ messages: { body: string }[] }>(kith, 'GET', '/self/messages')).messages.some((m) => m.body === 'sent while a contributor hangs'));
    const stored = Date.now() - started;
    // Bounded by the machine's speed, not by the hanging route (which would hold it forever).
    expect(stored, 'ms until the message was stored').to.be.below(8_000);
    // The page's own requests still answer at once.
    const health = await page.evaluate(async () => {
      const t = performance.now();
      await fetch('/api/health', { cache: 'no-store' });
      return performance.now() - t;
    });
    expect(health, 'ms for /api/health from the page').to.be.below(8_000);
    // Another contributor's entries (files, built in) still come while postcards' reads hang.
    await api(kith, 'POST', '/postcards/send', { hog: true });
    await api(kith, 'POST', '/self/files', { name: 'while-hanging.txt', mime: 'text/plain', data_base64: Buffer.from('still here').toString('base64') });
    await waitUntil('a file in the timeline while postcards hangs', async () => (await timelineOrder(page)).some((t) => /^File while-hanging\.txt/.test(t)), 15_000);
    // Another third party's view still gets answers while postcards' views' calls hang.
    await page.goto(`${kith.host.url}/polls/self`);
    const polls = page.frameLocator('iframe[data-kith-view="polls/polls.page"]');
    await polls.locator('polls-page').getByRole('button', { name: 'Vote' }).waitFor({ timeout: 30_000 });
    const hangs = async () => (await api<{ hangsStarted: number }>(kith, 'GET', '/postcards/timeline?peer=stats')).hangsStarted;
    const before = await hangs();
    // Its overlay's calls reached the host and hang there: as many as it may have in flight. The
    // overlay hears the event only once its frame is up, which nothing on the page shows: the event
    // is sent again each second until they come (each sends eight more calls, queued in the page).
    let checks = 0;
    await waitUntil("the hog's calls hanging on the host", async () => {
      if (checks++ % 5 === 0) await api(kith, 'POST', '/postcards/send', { hog: true });
      return (await hangs()) >= before + 3;
    });
    await page.waitForTimeout(300);
    expect(await hangs(), 'no more than its share in flight').to.equal(before + 3);
    const voted = Date.now();
    await polls.locator('polls-page').getByRole('button', { name: 'Vote' }).click();
    await polls.locator('polls-page [data-part="outcome"]').filter({ hasText: 'KITH_EXT_POLLS_POLL_CLOSED 409' }).waitFor({ timeout: 30_000 });
    expect(Date.now() - voted, "ms for another extension's call while postcards' hang").to.be.below(8_000);
    await api(kith, 'POST', '/postcards/send', { hang: false });
    await page.goto(`${kith.host.url}/chats?peer=self`);
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'after-hang' });
    await waitUntil('entries again once it answers', async () => (await timelineOrder(page)).includes('Postcard after-hang'));
  });

  it("lets a third-party owner read its own slot of entries in its frame, render each in a nested frame, and follow changes; chat's slot is not its to read", async () => {
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'w1', at: 1_000 });
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'w2', at: 2_000 });
    await page.goto(`${kith.host.url}/postcards`);
    const count = wall(page).locator('postcards-page [data-part="count"]');
    await count.filter({ hasText: /w1@1000 w2@2000/ }).waitFor({ timeout: 30_000 });
    const pins = wall(page).locator('iframe[data-kith-view="postcards/postcards.pin"]');
    await waitUntil('a nested frame per entry', async () => (await pins.count()) >= 2);
    await wall(page).frameLocator('[data-entry="w2"] iframe').locator('postcards-pin [data-part="card"]').filter({ hasText: 'Pinned w2 for self' }).waitFor({ timeout: 30_000 });
    expect(await wall(page).locator('postcards-page [data-part="refused"]').textContent()).to.equal('KITH_ERR_BAD_REQUEST');

    // A change the extension announces reaches the frame's list.
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'w3', at: 3_000 });
    await count.filter({ hasText: /w3@3000/ }).waitFor({ timeout: 30_000 });
    await wall(page).frameLocator('[data-entry="w3"] iframe').locator('postcards-pin [data-part="card"]').filter({ hasText: 'Pinned w3 for self' }).waitFor({ timeout: 30_000 });
    await snap(page, 'slot-entries-02-wall');
  });

  it('never hands the owner a badly formed entry: no id, an id too long, no time, a repeated id', async () => {
    const before = await wall(page).locator('postcards-page [data-part="count"]').textContent();
    await api(kith, 'POST', '/postcards/send', { garbage: true });
    await api(kith, 'POST', '/postcards/send', { peer: 'self', id: 'w4', at: 4_000 });
    const count = wall(page).locator('postcards-page [data-part="count"]');
    await count.filter({ hasText: /w4@4000/ }).waitFor({ timeout: 30_000 });
    const shown = (await count.textContent())!;
    expect(shown, `was: ${before}`).to.match(/^\d+ on the wall: /);
    const ids = shown.replace(/^\d+ on the wall: /, '').split(' ').map((e) => e.split('@')[0]);
    expect(ids, 'the good entries only, each once, oldest first').to.deep.equal([...new Set(ids)]);
    expect(ids.filter((id) => !/^([pwh]\d+|after-hang)$/.test(id)), 'nothing but the good ones').to.deep.equal([]);
    expect(ids.filter((id) => id.startsWith('w'))).to.deep.equal(['w1', 'w2', 'w3', 'w4']);
    expect(rig.errors).to.deep.equal([]);
  });
});
