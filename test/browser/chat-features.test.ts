/**
 * The conversation as a messenger (issue 19), in Chromium against two real Kith programs: safe
 * links, day separators with time-only stamps, grouping, the new-messages marker and jump to the
 * latest, replies with a quote and reactions the friend sees, undo for "delete for both", the
 * "deleted" marker on the other side, confirm for "clear for both", chat's open slots, and the
 * conversation's accessibility (role=log, named menus, focusable list, focus ring, axe-core).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { eventually, keyOf, messageRow, send, startChatPeers, type ChatPeers } from './chat-peers.js';
import { snap } from './harness.js';

const require = createRequire(import.meta.url);

/** axe-core's source, if the package is installed (the shell's accessibility suite adds it). */
function axeSource(): string | undefined {
  try {
    return require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') as string;
  } catch {
    return undefined;
  }
}

/**
 * A third-party extension (written to a temp folder) that contributes one view to each of chat's
 * open slots; each view shows the context chat passed.
 */
function writeSlotProbe(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-slot-probe-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'slot-probe', version: '0.1.0', private: true, type: 'module',
    kith: {
      id: 'slot-probe', displayName: 'Slot probe', hostVersion: '^1.0.0', main: 'main.mjs',
      contributes: {
        views: [
          { id: 'slot-probe.attach', slot: 'chat.composer-actions', title: 'Attach', element: 'slot-probe-attach' },
          { id: 'slot-probe.extras', slot: 'chat.conversation-extras', title: 'Transfers', element: 'slot-probe-extras' },
        ],
        uiModule: 'ui.mjs',
      },
    },
  }));
  fs.writeFileSync(path.join(dir, 'main.mjs'), 'export function activate() {}\n');
  fs.writeFileSync(path.join(dir, 'ui.mjs'), `
    for (const [name, label] of [['slot-probe-attach', 'Attach for'], ['slot-probe-extras', 'Transfers with']]) {
      if (customElements.get(name)) continue;
      customElements.define(name, class extends HTMLElement {
        connectedCallback() {
          const button = document.createElement('button');
          button.type = 'button';
          button.dataset.probe = name;
          button.textContent = label + ' ' + String(this.kithContext && this.kithContext.peer).slice(0, 8);
          this.replaceChildren(button);
        }
      });
    }
  `);
  return dir;
}

describe('browser: chat messages, replies, reactions, deletes and accessibility (two peers)', function () {
  this.timeout(300_000);
  needs('chromium');
  let peers: ChatPeers;
  let a: Page;
  let b: Page;

  let probe: string;

  before(async () => {
    probe = writeSlotProbe();
    peers = await startChatPeers({ connected: true, extensions: [probe] });
    a = await peers.open(peers.alice, peers.bob);
    b = await peers.open(peers.bob, peers.alice);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await peers.snapAll(`FAILED-chat-features-${Date.now()}`);
  });
  after(async () => {
    await peers?.close();
    if (probe) fs.rmSync(probe, { recursive: true, force: true });
  });

  it('makes links clickable safely and shows markup as text', async () => {
    const text = 'docs at https://example.com/guide?x=1 not javascript:alert(1) and <b>not bold</b>';
    await send(a, text);
    const body = messageRow(b, text).getByTestId('message-body');
    await body.waitFor({ timeout: 30_000 });
    const links = await body.locator('a').evaluateAll((as) => as.map((l) => ({ href: l.getAttribute('href'), rel: l.getAttribute('rel'), target: l.getAttribute('target') })));
    expect(links).to.deep.equal([{ href: 'https://example.com/guide?x=1', rel: 'noopener noreferrer', target: '_blank' }]);
    expect(await body.locator('b').count()).to.equal(0);
    expect(await body.textContent()).to.equal(text);
  });

  it('stamps messages with the time only, under a day separator, and groups consecutive ones', async () => {
    for (const text of ['group one', 'group two', 'group three']) await send(a, text);
    await messageRow(b, 'group three').waitFor({ timeout: 30_000 });
    const separators = await b.getByTestId('day-separator').allTextContents();
    expect(separators.map((s) => s.trim())).to.deep.equal(['Today']);
    const stamp = (await messageRow(b, 'group two').locator('time').textContent())!.trim();
    expect(stamp).to.match(/^\d{1,2}:\d{2}(\s?[AP]M)?$/);
    expect(await messageRow(b, 'group one').evaluate((el) => el.classList.contains('grouped'))).to.equal(true);
    expect(await messageRow(b, 'group two').evaluate((el) => el.classList.contains('grouped'))).to.equal(true);
    expect(await messageRow(b, 'group three').evaluate((el) => el.classList.contains('group-end'))).to.equal(true);
  });

  it('marks new messages below while the reader is scrolled up, and jumps to the latest', async () => {
    for (let i = 0; i < 40; i++) await peers.alice.request('POST', `/sessions/${keyOf(peers.bob)}/messages`, { body: `filler ${i}` });
    await messageRow(b, 'filler 39').waitFor({ timeout: 30_000 });
    const list = b.getByTestId('message-list');
    await list.hover();
    await b.mouse.wheel(0, -3000);
    await b.getByTestId('jump-to-latest').waitFor({ timeout: 10_000 });
    await peers.alice.request('POST', `/sessions/${keyOf(peers.bob)}/messages`, { body: 'arrived while reading' });
    await eventually('the count on the jump button', async () => ((await b.getByTestId('jump-to-latest').getAttribute('aria-label')) ?? '').startsWith('1 new message'));
    await b.getByTestId('jump-to-latest').click();
    await messageRow(b, 'arrived while reading').waitFor({ timeout: 10_000 });
    await b.getByTestId('new-messages-marker').waitFor({ timeout: 5_000 });
    await b.getByTestId('jump-to-latest').waitFor({ state: 'detached', timeout: 10_000 });
    await snap(b, 'chat-features-01-new-messages-marker');
  });

  it('replies with a quote and reacts, and the friend sees both', async () => {
    await send(a, 'dinner on friday?');
    const question = messageRow(b, 'dinner on friday?');
    await question.waitFor({ timeout: 30_000 });
    const menu = question.getByTestId('message-menu');
    expect(await menu.getAttribute('aria-label')).to.match(/^Options for message from your friend at .*: dinner on friday\?$/);
    await menu.click();
    await b.getByRole('menuitem', { name: 'Reply' }).click();
    const aliceLabel = peers.alice.persona!.label;
    await eventually('the reply note names the friend', async () => ((await b.getByTestId('replying-to').textContent()) ?? '').includes(`Replying to ${aliceLabel}: dinner on friday?`));
    await send(b, 'yes, at eight');
    const reply = messageRow(a, 'yes, at eight');
    await reply.waitFor({ timeout: 30_000 });
    expect(await reply.getByTestId('quote').textContent()).to.contain('dinner on friday?');
    expect((await reply.locator('.quote-who').textContent())?.trim(), 'Alice quoting herself').to.equal('You');
    const ownReply = messageRow(b, 'yes, at eight');
    expect((await ownReply.locator('.quote-who').textContent())?.trim(), 'Bob quoting Alice by her label').to.equal(aliceLabel);

    await question.getByTestId('message-menu').click();
    await b.getByRole('menuitem', { name: 'React with 👍' }).click();
    await messageRow(a, 'dinner on friday?').getByTestId('reactions').getByText('👍').waitFor({ timeout: 30_000 });
    await snap(a, 'chat-features-02-reply-and-reaction');
  });

  it('lets "delete for both" be undone, then leaves a "deleted" marker at the friend', async () => {
    await send(a, 'a message to take back');
    await messageRow(b, 'a message to take back').waitFor({ timeout: 30_000 });
    const openMenu = async () => {
      await messageRow(a, 'a message to take back').getByTestId('message-menu').click();
      await a.getByRole('menuitem', { name: 'Delete for both' }).click();
    };
    await openMenu();
    await a.getByRole('button', { name: 'Undo' }).click();
    await a.waitForTimeout(6500);
    expect(await messageRow(b, 'a message to take back').count(), 'undone: still at Bob').to.equal(1);
    expect(await messageRow(a, 'a message to take back').count(), 'undone: shown again at Alice').to.equal(1);
    await openMenu();
    await b.getByTestId('deleted-marker').waitFor({ timeout: 30_000 });
    expect(await messageRow(b, 'a message to take back').count()).to.equal(0);
    expect(await messageRow(a, 'a message to take back').count()).to.equal(0);
    await snap(b, 'chat-features-03-deleted-marker');
  });

  it('renders the views other extensions contribute to chat.composer-actions and chat.conversation-extras (chat.timeline: test/browser/slot-entries.test.ts)', async () => {
    const extensions = await peers.alice.request<{ extensions: { id: string; contributes: { slots?: { id: string }[] } }[] }>('GET', '/extensions');
    const slots = extensions.extensions.find((e) => e.id === 'chat')!.contributes.slots!.map((s) => s.id);
    expect(slots).to.deep.equal(['chat.composer-actions', 'chat.conversation-extras', 'chat.timeline']);
    // Each runs in a sandboxed frame of its own inside chat's slot.
    const attach = a.getByTestId('composer-actions').frameLocator('iframe[data-kith-view="slot-probe/slot-probe.attach"]').locator('[data-probe="slot-probe-attach"]');
    const extras = a.getByTestId('conversation-extras').frameLocator('iframe[data-kith-view="slot-probe/slot-probe.extras"]').locator('[data-probe="slot-probe-extras"]');
    await attach.waitFor({ timeout: 10_000 });
    expect(await attach.textContent()).to.equal(`Attach for ${keyOf(peers.bob).slice(0, 8)}`);
    expect(await extras.textContent()).to.equal(`Transfers with ${keyOf(peers.bob).slice(0, 8)}`);
    // Turned off, the contributions go at once; on, they come back.
    await peers.alice.request('POST', '/extensions/slot-probe', { enabled: false });
    await attach.waitFor({ state: 'detached', timeout: 10_000 });
    await peers.alice.request('POST', '/extensions/slot-probe', { enabled: true });
    await attach.waitFor({ timeout: 10_000 });
  });

  it('asks before clearing for both; Cancel keeps everything, confirming clears both sides', async () => {
    const clearForBoth = async () => {
      await a.getByRole('button', { name: 'Conversation options' }).click();
      await a.getByRole('menuitem', { name: /Clear chat for both/ }).click();
      await a.getByTestId('confirm-clear').waitFor();
    };
    await clearForBoth();
    await a.getByTestId('confirm-clear').getByRole('button', { name: 'Cancel' }).click();
    expect(await messageRow(a, 'dinner on friday?').count()).to.equal(1);
    await clearForBoth();
    await a.getByTestId('confirm-clear').getByRole('button', { name: 'Clear for both' }).click();
    await a.getByTestId('empty-conversation').waitFor({ timeout: 10_000 });
    await b.getByTestId('empty-conversation').waitFor({ timeout: 30_000 });
  });

  it('is a focusable log with visible focus, and axe-core finds no serious or critical problem in light or dark', async () => {
    await send(a, 'accessibility check https://example.org');
    await messageRow(b, 'accessibility check https://example.org').waitFor({ timeout: 30_000 });
    const list = b.getByTestId('message-list');
    expect(await list.getAttribute('role')).to.equal('log');
    expect(await list.getAttribute('tabindex')).to.equal('0');
    await b.getByTestId('composer').focus();
    await b.keyboard.press('Shift+Tab');
    // Keyboard focus lands on something with a visible ring: here the probe's button, inside its frame.
    const ring = () => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { tag: el.tagName, width: parseFloat(style.outlineWidth), style: style.outlineStyle };
    };
    let outline = await b.evaluate(ring);
    if (outline.tag === 'IFRAME') {
      outline = await b.getByTestId('composer-actions').frameLocator('iframe').first().locator('body').evaluate(ring);
      expect(outline.tag).to.equal('BUTTON');
    }
    expect(outline.style).to.not.equal('none');
    expect(outline.width).to.be.at.least(2);

    const axe = axeSource();
    if (!axe) {
      console.log('      axe-core not installed: the contrast and name checks were skipped');
      return;
    }
    for (const theme of ['light', 'dark']) {
      await b.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
      await b.emulateMedia({ colorScheme: theme as 'light' | 'dark' });
      await b.waitForTimeout(300);
      await b.evaluate(axe);
      const violations = await b.evaluate(async () => {
        const result = await (window as any).axe.run(document.querySelector('[data-testid="chat-panel"]'), { resultTypes: ['violations'] });
        return (result.violations as any[]).filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join(', ')}`);
      });
      await snap(b, `chat-features-04-${theme}`);
      expect(violations, `axe in ${theme}`).to.deep.equal([]);
    }
  });

  it('is one Tab stop however many messages: arrows walk them, and only the one walked to has its controls in the Tab order', async () => {
    // Longer than the view, so a row can scroll out of the virtual list.
    for (let i = 0; i < 40; i++) await peers.alice.request('POST', `/sessions/${keyOf(peers.bob)}/messages`, { body: `before the walk ${i}` });
    for (let i = 1; i <= 6; i++) await send(a, `walk ${i} https://example.org/${i}`);
    await messageRow(a, 'walk 6 https://example.org/6').getByTestId('tick').waitFor({ timeout: 30_000 });
    // A fresh page: the earlier tests' clicks walked to messages of their own.
    await a.reload();
    await messageRow(a, 'walk 6 https://example.org/6').waitFor({ timeout: 30_000 });
    const list = a.getByTestId('message-list');
    const tabbableInList = () => list.evaluate((el) => [...el.querySelectorAll<HTMLElement>('a[href], button')].filter((c) => c.tabIndex >= 0).length);
    const focused = () => a.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { testid: el.dataset['testid'] ?? null, inList: !!el.closest('[data-testid="message-list"]'), text: el.closest('[data-testid="message"]')?.querySelector('[data-testid="message-body"]')?.textContent ?? null, label: el.getAttribute('aria-label') };
    });
    // Focus the list itself, and wait until it holds focus (the page may still be settling after the reload).
    const focusList = async () => {
      for (let attempt = 0; attempt < 25; attempt++) {
        await list.focus();
        if (await list.evaluate((el) => document.activeElement === el)) return;
        await a.waitForTimeout(200);
      }
      throw new Error(`the message list does not take focus; ${JSON.stringify(await focused())} has it`);
    };
    expect(await tabbableInList(), 'no message control in the Tab order before a message is walked to').to.equal(0);
    await focusList();
    await a.keyboard.press('Tab');
    expect((await focused()).inList, 'Tab from the list leaves it').to.equal(false);

    await focusList();
    await a.keyboard.press('ArrowUp');
    expect(await focused()).to.include({ testid: 'message', text: 'walk 6 https://example.org/6' });
    await a.keyboard.press('ArrowUp');
    expect(await focused()).to.include({ testid: 'message', text: 'walk 5 https://example.org/5' });
    expect((await focused()).label, 'a message walked to is named: whose, when, what').to.match(/^Your message at .+: walk 5 https:\/\/example\.org\/5$/);
    expect(await tabbableInList(), 'the link and "…" of the message walked to').to.equal(2);
    await a.keyboard.press('Tab');
    expect((await focused()).text).to.equal('walk 5 https://example.org/5');
    await a.keyboard.press('Tab');
    const menuButton = await focused();
    expect(menuButton.testid).to.equal('message-menu');
    expect(menuButton.label).to.contain('walk 5');
    await a.keyboard.press('Enter');
    await a.getByRole('menuitem', { name: 'Reply' }).waitFor();
    await a.keyboard.press('Escape');
    await a.getByRole('menu').waitFor({ state: 'detached' });
    expect((await focused()).testid, 'the menu gives focus back to "…"').to.equal('message-menu');
    await a.keyboard.press('Escape');
    expect(await focused(), 'Escape goes back to the list').to.include({ testid: 'message-list' });
    await a.keyboard.press('ArrowUp');
    expect(await focused(), 'from the list, the walk starts at the lowest message in view').to.include({ testid: 'message', text: 'walk 6 https://example.org/6' });
    await a.keyboard.press('ArrowUp');
    await a.keyboard.press('ArrowDown');
    expect(await focused()).to.include({ testid: 'message', text: 'walk 6 https://example.org/6' });
    await a.keyboard.press('ArrowDown');
    expect((await focused()).text, 'the last message stays focused at the end').to.equal('walk 6 https://example.org/6');
    // The row walked to scrolls out of the virtual list (its element goes): the list keeps focus, so the arrows still walk.
    await list.hover();
    await a.mouse.wheel(0, -20_000);
    await messageRow(a, 'walk 6 https://example.org/6').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await focused(), 'focus after its row scrolled out').to.include({ testid: 'message-list' });
    await a.keyboard.press('ArrowDown');
    expect((await focused()).testid, 'the arrows walk from the list').to.equal('message');
  });

  it('raised no page errors', () => {
    expect(peers.errors).to.deep.equal([]);
  });
});
