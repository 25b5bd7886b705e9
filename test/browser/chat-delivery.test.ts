/**
 * Regression tests (issue 19) for delivery as the page shows it, in Chromium against two real
 * Kith programs: a friend paired while the page is open appears at once; "Delivered" shows while
 * the friend has no page open; a message the friend's chat refuses shows so at once, with Retry,
 * and Retry delivers it once chat is on; background pages get the unread count in the title and
 * a desktop notification.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, keyOf, messageRow, send, startChatPeers, type ChatPeers } from './chat-peers.js';
import { snap } from './harness.js';

/** Lets the test put the page "in the background" and records desktop notifications it shows. */
const BACKGROUND_HOOKS = `
  window.__kithHidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (window.__kithHidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => window.__kithHidden });
  window.__kithNotifications = [];
  const RealNotification = window.Notification;
  class RecordingNotification extends RealNotification {
    constructor(title, options) { super(title, options); window.__kithNotifications.push({ title, body: options && options.body }); }
  }
  Object.defineProperty(RecordingNotification, 'permission', { get: () => RealNotification.permission });
  RecordingNotification.requestPermission = (...args) => { window.__kithAskedPermission = (window.__kithAskedPermission || 0) + 1; return RealNotification.requestPermission(...args); };
  window.Notification = RecordingNotification;
`;

async function setBackground(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    (window as any).__kithHidden = h;
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe('browser: chat delivery states, Retry, new friends and background attention (two peers)', function () {
  this.timeout(300_000);
  needs('chromium');
  let peers: ChatPeers;
  let a: Page;

  before(async () => {
    peers = await startChatPeers({ friends: false });
    await peers.browser.contexts().at(0)?.close().catch(() => undefined);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-chat-delivery-${Date.now()}`);
  });
  after(async () => peers?.close());

  it('shows a friend paired while the page is open in the conversation list at once, without a reload', async () => {
    a = await peers.open(peers.alice, 'self');
    await a.context().grantPermissions(['notifications']);
    await a.addInitScript({ content: BACKGROUND_HOOKS });
    await a.reload();
    await a.getByTestId('composer').waitFor();
    const list = a.getByTestId('conversation-list');
    await list.locator('[data-peer="self"]').waitFor();
    expect(await list.locator(`[data-peer="${keyOf(peers.bob)}"]`).count()).to.equal(0);
    await peers.net.befriend(peers.alice, peers.bob);
    await list.locator(`[data-peer="${keyOf(peers.bob)}"]`).waitFor({ timeout: 10_000 });
    expect(await list.locator(`[data-peer="${keyOf(peers.bob)}"]`).getAttribute('href')).to.contain(keyOf(peers.bob));
  });

  it('shows an empty state in a new conversation, then "Delivered" while the friend has no page open', async () => {
    await peers.net.connect(peers.alice, peers.bob);
    await a.getByTestId('conversation-list').locator(`[data-peer="${keyOf(peers.bob)}"]`).click();
    await a.waitForURL(/peer=[0-9a-f]{64}/);
    await a.getByTestId('empty-conversation').waitFor({ timeout: 10_000 });
    expect(await a.getByTestId('empty-conversation').textContent()).to.contain('No messages yet');
    expect(await a.getByTestId('message-list').getAttribute('role')).to.equal('log');
    await send(a, 'are you at your desk?');
    await messageRow(a, 'are you at your desk?').waitFor({ timeout: 10_000 });
    expect(await a.getByTestId('empty-conversation').count()).to.equal(0);
    const tick = messageRow(a, 'are you at your desk?').getByTestId('tick');
    await eventually('the Delivered tick', async () => (await tick.getAttribute('data-state')) === 'delivered', 30_000);
    expect(await tick.getAttribute('aria-label')).to.match(/^Delivered/);
    // Sending was the moment to ask about notifications, once.
    expect(await a.evaluate(() => (window as any).__kithAskedPermission ?? 0)).to.be.at.most(1);
    await snap(a, 'chat-delivery-01-delivered');
  });

  it('shows a refusal at once when the friend has chat off, offers Retry, and Retry delivers once chat is on', async () => {
    await peers.bob.request('POST', '/extensions/chat', { enabled: false });
    await send(a, 'hello? chat is off over there');
    const row = messageRow(a, 'hello? chat is off over there');
    // The NACK comes after the bus's 5 s grace for extensions still starting; no reload needed.
    await row.getByTestId('retry').waitFor({ timeout: 30_000 });
    expect(await row.getByTestId('tick').getAttribute('data-state')).to.equal('refused');
    expect(await row.textContent()).to.contain('Not delivered');
    await snap(a, 'chat-delivery-02-refused');
    await peers.bob.request('POST', '/extensions/chat', { enabled: true });
    await eventually('chat on at Bob', async () => (await peers.bob.call('GET', `/friends/${keyOf(peers.alice)}/messages`)).status === 200);
    await row.getByTestId('retry').click();
    await eventually('Delivered after Retry', async () => (await row.getByTestId('tick').getAttribute('data-state')) === 'delivered', 30_000);
    expect(await row.getByTestId('retry').count()).to.equal(0);
    const atBob = (await peers.bob.request<{ messages: { body: string }[] }>('GET', `/friends/${keyOf(peers.alice)}/messages`)).messages.map((m) => m.body);
    expect(atBob.filter((body) => body === 'hello? chat is off over there')).to.have.length(1);
  });

  it('in the background: counts unread messages in the tab title and shows a desktop notification per message', async () => {
    await setBackground(a, true);
    const baseTitle = (await a.title()).replace(/^\(\d+\)\s+/, '');
    for (const text of ['ping one', 'ping two', 'ping three']) {
      await peers.bob.request('POST', `/sessions/${keyOf(peers.alice)}/messages`, { body: text });
    }
    await eventually('the unread count in the title', async () => (await a.title()) === `(3) ${baseTitle}`, 15_000);
    const shown = await a.evaluate(() => (window as any).__kithNotifications as { title: string; body: string }[]);
    expect(shown.map((n) => n.body)).to.deep.equal(['ping one', 'ping two', 'ping three']);
    expect(shown[0]!.title).to.equal('Bob');
    const bobRow = a.getByTestId('conversation-list').locator(`[data-peer="${keyOf(peers.bob)}"]`);
    expect(await bobRow.getByTestId('unread-count').textContent()).to.contain('3');
    await snap(a, 'chat-delivery-03-background-unread');
    // Back in front: the open conversation is read, the count goes.
    await setBackground(a, false);
    await eventually('the title without a count', async () => (await a.title()) === baseTitle, 15_000);
    expect(await bobRow.getByTestId('unread-count').count()).to.equal(0);
    // In the foreground, no notification.
    await peers.bob.request('POST', `/sessions/${keyOf(peers.alice)}/messages`, { body: 'ping four' });
    await messageRow(a, 'ping four').waitFor({ timeout: 15_000 });
    expect(await a.evaluate(() => (window as any).__kithNotifications.length)).to.equal(3);
    expect(await a.getByTestId('announcer').textContent()).to.contain('ping four');
  });

  it('raised no page errors', () => {
    expect(peers.errors).to.deep.equal([]);
  });
});
