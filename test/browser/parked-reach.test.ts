/**
 * The parked extension's view in the real shell (Chromium, two Kith programs on this machine): the
 * Connect page shows a live countdown to the parked friend's next window, and "Reach now" waits for
 * it and opens a session in the window. Firewalls and NATs are the NAT lab's part (test/netlab).
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { needs } from '../support/needs.js';
import { openPage } from './harness.js';
import { eventually, keyOf, startChatPeers, type ChatPeers } from './chat-peers.js';

/** Short windows, so the test sees one open within seconds (the defaults are 30 minutes apart). */
const SHORT = { 'parked.period-ms': 15_000, 'parked.window-ms': 3_000, 'parked.skew-ms': 1_500 };

describe('browser: Parked mode, "Reach now" with a live countdown', function () {
  this.timeout(180_000);
  needs('chromium');
  let peers: ChatPeers;

  before(async () => {
    peers = await startChatPeers({ connected: true });
    for (const host of [peers.alice, peers.bob]) {
      for (const [id, value] of Object.entries(SHORT)) await host.request('PUT', `/extensions/parked/settings/${id}`, { value });
    }
  });
  after(async () => peers?.close());

  /** Seconds the first countdown shows now, or null while none is shown (a window is open). */
  async function secondsShown(page: Page): Promise<number | null> {
    const [text] = await page.getByTestId('countdown').allTextContents();
    const match = /(\d+):(\d\d)/.exec(text ?? '');
    return match ? Number(match[1]) * 60 + Number(match[2]) : null;
  }

  it('counts down to Bob\'s next window and reaches him in it on a parked path', async () => {
    const { alice, bob } = peers;
    await alice.request('DELETE', `/sessions/${bob.persona!.peerId}`);
    await bob.request('PUT', '/extensions/parked/settings/parked.on', { value: true });
    await eventually('Bob parked, no session', async () => {
      const status = await bob.request<{ parked: boolean; friends: { session: boolean }[] }>('GET', '/connect/parked/status');
      return status.parked && !status.friends[0]!.session;
    });

    const { page, context } = await openPage(peers.browser);
    await page.goto(`${alice.url}/connect`);
    const view = page.getByTestId('parked');
    await view.waitFor({ timeout: 30_000 });
    // Outside a window the row shows a countdown that runs down second by second.
    const first = await eventually('a countdown of 4 s or more', async () => {
      const seconds = await secondsShown(page);
      return seconds !== null && seconds >= 4 ? seconds : null;
    }, 30_000);
    await page.waitForTimeout(2_100);
    const later = await secondsShown(page);
    expect(later, 'the countdown after 2 s').to.be.within(first - 3, first - 1);

    await view.getByRole('button', { name: 'Reach now' }).first().click();
    await eventually('Alice sees the session', async () => /connected \(parked-ipv[46]\)/.test((await view.textContent()) ?? ''), 60_000);
    const atBob = await bob.request<{ counters: { windowSessions: number }; friends: { master_pubkey: string; session: boolean }[] }>('GET', '/connect/parked/status');
    expect(atBob.counters.windowSessions).to.be.greaterThan(0);
    expect(atBob.friends.find((f) => f.master_pubkey === keyOf(alice))?.session).to.equal(true);
    await context.close();
  });
});
