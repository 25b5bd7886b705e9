/**
 * Two real Kith programs (the SDK test kit: separate processes, real UDP, SQLite and HTTP) serving
 * the built client, a rendezvous between them, and Chromium pages on them: the set-up of the
 * chat-*.test.ts browser suites. Pairing and connecting go through the API (the pairing UI has its
 * own tests); everything the chat suites check is done and read in the pages.
 */
import type { Browser, Page } from 'playwright-core';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { ensureClientBuilt, launchBrowser, openPage, snap } from './harness.js';

export interface ChatPeers {
  readonly net: TestNetwork;
  readonly alice: TestHost;
  readonly bob: TestHost;
  readonly browser: Browser;
  /** Page errors and CSP violations of every page opened. */
  readonly errors: string[];
  /** A page on `host`, opened on its conversation with `friend` (or notes to self). */
  open(host: TestHost, friend: TestHost | 'self', size?: { width: number; height: number }): Promise<Page>;
  /** Screenshots of every open page (for a failed test). */
  snapAll(name: string): Promise<void>;
  close(): Promise<void>;
}

export const keyOf = (host: TestHost): string => host.persona!.key;

/** Start Alice and Bob; `friends` pairs them, `connected` also opens a session; `extensions` are installed on both; `browserArgs` go to Chromium. */
export async function startChatPeers(options: { friends?: boolean; connected?: boolean; extensions?: string[]; browserArgs?: string[] } = {}): Promise<ChatPeers> {
  const clientDir = ensureClientBuilt();
  const net = await startTestNetwork({ hosts: 2, env: { KITH_CLIENT_DIR: clientDir }, ...(options.extensions ? { extensions: options.extensions } : {}) });
  const [alice, bob] = net.hosts as [TestHost, TestHost];
  if (options.friends !== false) await net.befriend(alice, bob);
  if (options.connected) await net.connect(alice, bob);
  const browser = await launchBrowser(options.browserArgs);
  const errors: string[] = [];
  const pages: Page[] = [];
  return {
    net, alice, bob, browser, errors,
    async open(host, friend, size = { width: 1280, height: 800 }) {
      const opened = await openPage(browser, size.width, size.height);
      pages.push(opened.page);
      opened.page.on('pageerror', (e) => errors.push(e.message));
      const peer = friend === 'self' ? 'self' : keyOf(friend);
      await opened.page.goto(`${host.url}/chats?peer=${peer}`);
      await opened.page.getByTestId('composer').waitFor({ timeout: 30_000 });
      return opened.page;
    },
    async snapAll(name) {
      for (const [i, page] of pages.entries()) if (!page.isClosed()) await snap(page, `${name}-${i}`).catch(() => undefined);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await net.close();
    },
  };
}

/** Type into the composer and press Enter, as a person does. */
export async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The message row whose body is exactly `text`. */
export function messageRow(page: Page, text: string) {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-body').getByText(text, { exact: true }) });
}

/** Every message body the host has stored in the conversation with `friend`, oldest first. */
export async function storedBodies(host: TestHost, friend: TestHost): Promise<string[]> {
  const bodies: string[] = [];
  let before: number | null = null;
  for (;;) {
    const page: { messages: { body: string }[]; next_cursor: number | null } = await host.request(
      'GET', `/friends/${keyOf(friend)}/messages?limit=200${before ? `&before=${before}` : ''}`,
    );
    bodies.unshift(...page.messages.map((m) => m.body));
    if (page.next_cursor === null) return bodies;
    before = page.next_cursor;
  }
}

export { eventually };
