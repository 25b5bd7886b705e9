/**
 * The calls UI in the real shell: two real hosts serving the built client, Chromium with fake
 * camera and microphone on both pages. Alice presses Call in her conversation with Bob; Bob, on
 * another page, sees the incoming-call banner ringing and accepts; both call pages say connected
 * and Bob's shows Alice's video decoding; Alice moves to another page and the mini call widget
 * carries the call (it goes on, also across a reload of her page), mutes, and hangs up for both; the conversation shows the call
 * with its duration; a second call that Bob declines shows as declined on both sides; a call
 * nobody answers is a missed call (Bob is told, both histories say so); a page whose connection
 * drops mid-call picks the call's media up again; a lock stops the page's
 * microphone and camera. A browser
 * that refuses the microphone and camera says so in the user's words, and a call to Bob with
 * calls turned off shows "Bob has calls turned off".
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { ensureClientBuilt, launchBrowser, openPage, snap } from './harness.js';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious or critical axe-core findings on the page (its context bypasses the CSP to inject axe). */
async function seriousA11yFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] };
    const result = await (globalThis as unknown as { axe: { run(c: unknown, o: unknown): Promise<Result> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

/** A page init script that keeps every device track the page gets (`globalThis.__callTracks`), to see which devices a call asked for and that they stop. */
const RECORD_DEVICE_TRACKS = `
  globalThis.__name = (f) => f;
  globalThis.__callTracks = [];
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    globalThis.__callTracks.push(...stream.getTracks());
    return stream;
  };`;

const MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'];

describe('calls UI: call button, incoming banner, call page, mini widget, history (Chromium, two hosts)', function () {
  needs('chromium');
  this.timeout(180_000);
  let net: TestNetwork;
  let browser: Browser;
  let alice: TestHost;
  let bob: TestHost;
  const errors: string[] = [];
  const key = (h: TestHost) => h.persona!.key;

  /** A page whose every device track is kept, to see which devices the call asked for (close its context after). */
  async function recording(host: TestHost, path: string) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await context.addInitScript({ content: RECORD_DEVICE_TRACKS });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${host.url}${path}`);
    return { page, context, live: () => page.evaluate('globalThis.__callTracks.filter((t) => t.readyState === "live").map((t) => t.kind).sort()') as Promise<string[]> };
  }

  /** A page on `host`; `forAxe` bypasses the CSP so axe-core can be injected (Bob's page only). */
  async function open(host: TestHost, path: string, forAxe = false): Promise<Page> {
    const opened = forAxe ? await openAxePage() : await openPage(browser, 1200, 800);
    opened.page.on('pageerror', (e) => errors.push(e.message));
    opened.page.on('console', (m) => {
      const worth = (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) || m.text().includes('media channel');
      if (worth) console.log(`      [${host.name ?? ''} page] ${m.text()}`);
    });
    await opened.page.goto(`${host.url}${path}`);
    return opened.page;
  }
  async function openAxePage(): Promise<{ page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, bypassCSP: true });
    await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    return { page: await context.newPage() };
  }
  /** Nothing is painted on the call page's canvas for the friend's video (every pixel transparent). */
  const remotePictureBlank = (page: Page) => page.getByTestId('remote-video').evaluate((canvas: HTMLCanvasElement) =>
    canvas.getContext('2d')!.getImageData(0, 0, Math.max(1, canvas.width), Math.max(1, canvas.height)).data.every((v) => v === 0));
  /** Both pages of a call say connected. */
  const bothConnected = async (...pages: Page[]) => {
    for (const page of pages) await page.getByTestId('call-state').filter({ hasText: /^Connected / }).waitFor({ timeout: 20_000 });
  };
  const noCallOnEitherHost = () => eventually('no call on either host', async () => (await alice.request('GET', '/calls/status')).call === null && (await bob.request('GET', '/calls/status')).call === null);
  const remoteFrames = async (page: Page) => Number(await page.getByTestId('remote-video').getAttribute('data-frames') ?? 0);
  /** The friend's video is decoding now: more than 5 new frames within a second (the count restarts when a page picks a call up again). */
  const framesFlowing = async (page: Page) => {
    const before = await remoteFrames(page);
    await new Promise((r) => setTimeout(r, 1000));
    return (await remoteFrames(page)) > before + 5;
  };

  before(async () => {
    const clientDir = ensureClientBuilt();
    net = await startTestNetwork({ hosts: 2, env: { KITH_CLIENT_DIR: clientDir } });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
    browser = await launchBrowser(MEDIA_ARGS);
  });
  // A test that failed mid-call leaves no call behind to make the next one's friend busy.
  afterEach(async () => {
    for (const host of [alice, bob]) {
      const call = (await host.request('GET', '/calls/status').catch(() => undefined))?.call as { peer: string } | null | undefined;
      if (call) await host.request('POST', `/sessions/${call.peer}/calls/hangup`).catch(() => undefined);
    }
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await net?.close();
  });

  it('calls from the conversation, rings on another page, connects with video, goes on from the mini widget, hangs up, and records both calls', async () => {
    const alicePage = await open(alice, `/chats?peer=${key(bob)}`);
    const bobPage = await open(bob, '/connect', true);
    await alicePage.getByTestId('composer').waitFor({ timeout: 30_000 });
    await bobPage.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });

    // Alice: the Video call button in the conversation's header opens the call page and starts the call.
    await alicePage.getByRole('button', { name: 'Video call', exact: true }).click();
    await alicePage.waitForURL(`**/call/${key(bob)}/video`);
    await alicePage.getByTestId('call-state').filter({ hasText: /Calling|Ringing/ }).waitFor({ timeout: 20_000 });

    // Bob, on the Connect page: the banner, ringing.
    const banner = bobPage.getByTestId('call-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.getAttribute('data-ringing')).to.equal('true');
    expect(await banner.getByTestId('banner-kind').textContent()).to.equal('Video call');
    await snap(bobPage, 'calls-ui-banner');
    expect(await seriousA11yFindings(bobPage), 'axe on the banner').to.deep.equal([]);
    await banner.getByTestId('banner-accept').click();
    await bobPage.waitForURL(`**/call/${key(alice)}`);

    for (const page of [alicePage, bobPage]) {
      await page.getByTestId('call-state').filter({ hasText: /^Connected \d+:\d\d$/ }).waitFor({ timeout: 20_000 });
    }
    // Alice's fake camera decodes on Bob's page, and Bob's on Alice's.
    await eventually('Alice\'s video decoding at Bob', async () => (await remoteFrames(bobPage)) > 10, 30_000).catch(async (e) => {
      console.log(JSON.stringify(await alice.request('GET', '/calls/status')), JSON.stringify(await bob.request('GET', '/calls/status')));
      throw e;
    });
    await eventually('Bob\'s video decoding at Alice', async () => (await remoteFrames(alicePage)) > 10, 30_000).catch(async (e) => {
      console.log(JSON.stringify(await alice.request('GET', '/calls/status')), JSON.stringify(await bob.request('GET', '/calls/status')));
      throw e;
    });
    await bobPage.getByTestId('stat-rtt').filter({ hasText: /\d+ ms/ }).waitFor({ timeout: 10_000 });
    expect(await bobPage.getByTestId('call-stats').getAttribute('data-quality')).to.match(/good|fair|poor/);
    await snap(alicePage, 'calls-ui-call-alice');
    await snap(bobPage, 'calls-ui-call-bob');
    expect(await seriousA11yFindings(bobPage), 'axe on the call page').to.deep.equal([]);

    // Bob's page loses its connection for a moment (DevTools offline closes its socket, and with it
    // every page channel): the call picks its media up again, both ways.
    await bobPage.context().setOffline(true);
    await new Promise((r) => setTimeout(r, 1500));
    await bobPage.context().setOffline(false);
    await bobPage.getByTestId('call-state').filter({ hasText: /^Connected \d+:\d\d$/ }).waitFor({ timeout: 30_000 });
    await eventually('Alice\'s video decoding at Bob after his connection came back', () => framesFlowing(bobPage), 30_000).catch(async (e) => {
      console.log(JSON.stringify(await alice.request('GET', '/calls/status')), JSON.stringify(await bob.request('GET', '/calls/status')), await remoteFrames(bobPage), await bobPage.getByTestId('remote-video').evaluate((el) => el.outerHTML.slice(0, 300)));
      throw e;
    });
    await eventually('Bob\'s video decoding at Alice after his connection came back', () => framesFlowing(alicePage), 30_000);

    // Alice goes to the Connect page (in the app): the mini widget carries the call, which goes on.
    await alicePage.locator('nav a[href="/connect"]').click();
    await alicePage.waitForURL('**/connect');
    const mini = alicePage.getByTestId('mini-call');
    await mini.waitFor({ timeout: 10_000 });
    await mini.getByTestId('mini-state').filter({ hasText: /^\d+:\d\d$/ }).waitFor();
    const framesBefore = await remoteFrames(bobPage);
    await eventually('Alice\'s video still decoding at Bob', async () => (await remoteFrames(bobPage)) > framesBefore + 10, 20_000);
    await snap(alicePage, 'calls-ui-mini-widget');

    // A reload mid-call: the new page picks the call up again (widget, media both ways).
    await alicePage.reload();
    await mini.getByTestId('mini-state').filter({ hasText: /^\d+:\d\d$/ }).waitFor({ timeout: 20_000 });
    const framesAfterReload = await remoteFrames(bobPage);
    await eventually('Alice\'s video decoding at Bob after her reload', async () => (await remoteFrames(bobPage)) > framesAfterReload + 10, 20_000);

    // A click on the widget goes back to the call page; the Connect tab leaves it again.
    await mini.getByTestId('mini-open').click();
    await alicePage.waitForURL(`**/call/${key(bob)}`);
    await alicePage.getByTestId('call-state').filter({ hasText: /^Connected \d+:\d\d$/ }).waitFor({ timeout: 10_000 });
    await alicePage.locator('nav a[href="/connect"]').click();
    await mini.waitFor({ timeout: 10_000 });

    // Bob turns his camera off on the call page: Alice's host hears of it.
    await bobPage.getByTestId('camera-button').click();
    await eventually('Bob\'s camera off at Alice', async () => (await alice.request('GET', '/calls/status')).call?.remote_camera_off === true, 10_000);

    // Mute from the widget: Bob's side hears of it.
    await mini.getByTestId('mini-mute').click();
    await bobPage.getByText('muted their microphone').waitFor({ timeout: 10_000 });
    expect((await bob.request('GET', '/calls/status')).call).to.include({ remote_muted: true });

    // Hang up from the widget: both sides end.
    await mini.getByTestId('mini-hangup').click();
    await mini.waitFor({ state: 'detached', timeout: 10_000 });
    await bobPage.getByTestId('call-state').filter({ hasText: 'Call ended: hung up' }).waitFor({ timeout: 20_000 });
    await eventually('no call on either host', async () => (await alice.request('GET', '/calls/status')).call === null && (await bob.request('GET', '/calls/status')).call === null);

    // The conversation shows the call with its duration.
    await alicePage.goto(`${alice.url}/chats?peer=${key(bob)}`);
    const entries = alicePage.getByTestId('call-entry');
    await entries.filter({ hasText: /Call · \d+:\d\d/ }).waitFor({ timeout: 20_000 });

    // A second call, declined by Bob from the banner (he is still on the ended call's page).
    await alicePage.getByRole('button', { name: 'Voice call', exact: true }).click();
    await banner.waitFor({ timeout: 20_000 });
    await banner.getByTestId('banner-decline').click();
    await alicePage.getByTestId('call-state').filter({ hasText: /declined/ }).waitFor({ timeout: 20_000 });
    await alicePage.goto(`${alice.url}/chats?peer=${key(bob)}`);
    await entries.filter({ hasText: /Declined call · / }).waitFor({ timeout: 20_000 });
    expect(await entries.count()).to.equal(2);
    await bobPage.goto(`${bob.url}/chats?peer=${key(alice)}`);
    await bobPage.getByTestId('call-entry').filter({ hasText: /Declined call · / }).waitFor({ timeout: 20_000 });
    await bobPage.getByTestId('call-entry').filter({ hasText: /Call · \d+:\d\d/ }).waitFor();
    await snap(alicePage, 'calls-ui-history');
    expect(errors).to.deep.equal([]);
  });

  it('a voice call asks for no camera; a video call answered without video sends none until the camera is turned on', async () => {
    const a = await recording(alice, `/chats?peer=${key(bob)}`);
    const b = await recording(bob, '/connect');
    try {
      await a.page.getByTestId('composer').waitFor({ timeout: 30_000 });
      await b.page.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });
      const connected = async () => {
        for (const page of [a.page, b.page]) await page.getByTestId('call-state').filter({ hasText: /^Connected / }).waitFor({ timeout: 20_000 });
      };
      const hangUp = async () => {
        await a.page.getByTestId('hangup-button').click();
        await eventually('no call on either host', async () => (await alice.request('GET', '/calls/status')).call === null && (await bob.request('GET', '/calls/status')).call === null);
      };

      // A voice call: the banner says so, one answer button, and neither page asks for a camera.
      await a.page.getByRole('button', { name: 'Voice call', exact: true }).click();
      const banner = b.page.getByTestId('call-banner');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.getByTestId('banner-kind').textContent()).to.equal('Voice call');
      expect(await banner.getByTestId('banner-accept-voice').count()).to.equal(0);
      await banner.getByTestId('banner-accept').click();
      await connected();
      expect(await a.live()).to.deep.equal(['audio']);
      expect(await b.live()).to.deep.equal(['audio']);
      expect((await alice.request('GET', '/calls/status')).call).to.include({ with_video: false, video: null });
      await hangUp();

      // A video call answered without video: Bob's camera stays off, Alice is told so, her video still shows at Bob.
      await a.page.goto(`${alice.url}/chats?peer=${key(bob)}`);
      await a.page.getByRole('button', { name: 'Video call', exact: true }).click();
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.getByTestId('banner-kind').textContent()).to.equal('Video call');
      await banner.getByTestId('banner-accept-voice').click();
      await connected();
      expect(await b.live()).to.deep.equal(['audio']);
      expect(await a.live()).to.deep.equal(['audio', 'video']);
      await eventually('Bob\'s camera off at Alice', async () => (await alice.request('GET', '/calls/status')).call?.remote_camera_off === true, 10_000);
      await eventually('Alice\'s video decoding at Bob', async () => (await remoteFrames(b.page)) > 10, 30_000);

      // Bob turns his camera on: now it is asked for, and it decodes at Alice.
      await b.page.getByTestId('camera-button').click();
      await eventually('Bob\'s camera live', async () => (await b.live()).includes('video'), 10_000);
      await eventually('Bob\'s camera on at Alice', async () => (await alice.request('GET', '/calls/status')).call?.remote_camera_off === false, 10_000);
      await eventually('Bob\'s video decoding at Alice', async () => (await remoteFrames(a.page)) > 10, 30_000);
      await hangUp();
      expect(errors).to.deep.equal([]);
    } finally {
      await a.context.close().catch(() => undefined);
      await b.context.close().catch(() => undefined);
    }
  });

  it('counts a call nobody answers as missed: the banner goes, Bob is told, both histories say so', async () => {
    const ringFor = (value: number) => Promise.all([alice, bob].map((h) => h.request('PUT', '/extensions/calls/settings/calls.ring-timeout-s', { value })));
    await ringFor(2);
    try {
      const alicePage = await open(alice, `/chats?peer=${key(bob)}`);
      const bobPage = await open(bob, '/connect');
      await alicePage.getByTestId('composer').waitFor({ timeout: 30_000 });
      await bobPage.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });
      await alicePage.getByRole('button', { name: 'Voice call', exact: true }).click();
      const banner = bobPage.getByTestId('call-banner');
      await banner.waitFor({ timeout: 20_000 });
      await banner.waitFor({ state: 'detached', timeout: 20_000 });
      await bobPage.getByText('Missed call from Alice').waitFor({ timeout: 10_000 });
      await alicePage.getByTestId('call-state').filter({ hasText: 'Call ended: no answer' }).waitFor({ timeout: 20_000 });
      await bobPage.goto(`${bob.url}/chats?peer=${key(alice)}`);
      await bobPage.getByTestId('call-entry').filter({ hasText: /Missed call · / }).waitFor({ timeout: 20_000 });
      await alicePage.goto(`${alice.url}/chats?peer=${key(bob)}`);
      await alicePage.getByTestId('call-entry').filter({ hasText: /No answer · / }).waitFor({ timeout: 20_000 });
      await snap(bobPage, 'calls-ui-missed');
    } finally {
      await ringFor(30);
    }
  });

  it('while Alice\'s call rings, Bob pressing Call in their conversation answers it; the call page calls nobody by itself later', async () => {
    const alicePage = await open(alice, `/chats?peer=${key(bob)}`);
    const bobPage = await open(bob, `/chats?peer=${key(alice)}`);
    await alicePage.getByTestId('composer').waitFor({ timeout: 30_000 });
    await bobPage.getByTestId('composer').waitFor({ timeout: 30_000 });
    await alicePage.getByRole('button', { name: 'Voice call', exact: true }).click();
    const banner = bobPage.getByTestId('call-banner');
    await banner.waitFor({ timeout: 20_000 });
    const ringing = (await bob.request('GET', '/calls/status')).call as { stream_id: string };
    await bobPage.getByRole('button', { name: 'Voice call', exact: true }).click();
    await bobPage.waitForURL(`**/call/${key(alice)}`);
    for (const page of [alicePage, bobPage]) {
      await page.getByTestId('call-state').filter({ hasText: /^Connected \d+:\d\d$/ }).waitFor({ timeout: 20_000 });
    }
    // The call that rang is the one that connected.
    expect((await bob.request('GET', '/calls/status')).call).to.include({ stream_id: ringing.stream_id, state: 'active' });
    await bobPage.getByTestId('hangup-button').click();
    await eventually('no call on either host', async () => (await alice.request('GET', '/calls/status')).call === null && (await bob.request('GET', '/calls/status')).call === null);
    // Bob's page stays on the ended call: calls turned off and on again there starts no call by itself.
    await bob.request('POST', '/extensions/calls', { enabled: false });
    await bob.request('POST', '/extensions/calls', { enabled: true });
    await bobPage.getByTestId('call-page').waitFor({ timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await bob.request('GET', '/calls/status')).call).to.equal(null);
    // Nor does a reload of it.
    await bobPage.reload();
    await bobPage.getByTestId('call-page').waitFor({ timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await bob.request('GET', '/calls/status')).call).to.equal(null);
    expect(errors).to.deep.equal([]);
  });

  it('says why it cannot use the microphone and camera, and that Bob has calls turned off', async () => {
    // A browser that refuses every permission prompt: getUserMedia fails with NotAllowedError.
    const refusing = await launchBrowser(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
    await bob.request('POST', '/extensions/calls', { enabled: false });
    try {
      const opened = await openPage(refusing, 1200, 800);
      const page = opened.page;
      await page.goto(`${alice.url}/chats?peer=${key(bob)}`);
      await page.getByTestId('composer').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Video call', exact: true }).click();
      const problems = page.getByTestId('call-problem');
      await problems.filter({ hasText: 'Kith cannot use your microphone: allow it in the browser\'s site settings' }).waitFor({ timeout: 20_000 });
      await problems.filter({ hasText: 'Kith cannot use your camera: allow it in the browser\'s site settings' }).waitFor();
      await problems.filter({ hasText: 'Bob has calls turned off' }).waitFor({ timeout: 40_000 });
      await page.getByTestId('call-state').filter({ hasText: 'Call ended: Bob cannot take calls' }).waitFor({ timeout: 20_000 });
      await snap(page, 'calls-ui-refused');
      expect(opened.errors).to.deep.equal([]);
    } finally {
      await bob.request('POST', '/extensions/calls', { enabled: true });
      await refusing.close().catch(() => undefined);
    }
  });
  it('answering a voice call, the camera button says the camera is off, and one press turns it on', async () => {
    const a = await recording(alice, `/chats?peer=${key(bob)}`);
    const b = await recording(bob, '/connect');
    try {
      await a.page.getByTestId('composer').waitFor({ timeout: 30_000 });
      await b.page.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });
      await a.page.getByRole('button', { name: 'Voice call', exact: true }).click();
      await b.page.getByTestId('call-banner').getByTestId('banner-accept').click({ timeout: 20_000 });
      await bothConnected(a.page, b.page);
      expect(await b.live()).to.deep.equal(['audio']);

      const camera = b.page.getByTestId('camera-button');
      expect(await camera.getAttribute('aria-label')).to.equal('Turn camera on');
      expect(await camera.getAttribute('aria-pressed')).to.equal('true');
      expect((await camera.textContent())?.trim()).to.equal('videocam_off');
      await camera.click();
      await eventually('Bob\'s camera live after one press', async () => (await b.live()).includes('video'), 10_000);
      await eventually('Bob\'s camera on at Alice', async () => (await alice.request('GET', '/calls/status')).call?.remote_camera_off === false, 10_000);
      expect(await camera.getAttribute('aria-label')).to.equal('Turn camera off');
      expect(await camera.getAttribute('aria-pressed')).to.equal('false');
      await eventually('Bob\'s video decoding at Alice', async () => (await remoteFrames(a.page)) > 10, 30_000);
      await b.page.getByTestId('hangup-button').click();
      await noCallOnEitherHost();
      expect(errors).to.deep.equal([]);
    } finally {
      await a.context.close().catch(() => undefined);
      await b.context.close().catch(() => undefined);
    }
  });

  it('the friend\'s picture gives way to their avatar when their camera goes off; an ended call keeps no picture, stats or mute note and leads back to the chat', async () => {
    const alicePage = await open(alice, `/chats?peer=${key(bob)}`);
    const bobPage = await open(bob, '/connect');
    await alicePage.getByTestId('composer').waitFor({ timeout: 30_000 });
    await bobPage.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });
    await alicePage.getByRole('button', { name: 'Video call', exact: true }).click();
    await bobPage.getByTestId('call-banner').getByTestId('banner-accept').click({ timeout: 20_000 });
    await bothConnected(alicePage, bobPage);
    const picture = alicePage.getByTestId('remote-video');
    const avatar = alicePage.locator('[data-testid="call-page"] .placeholder');
    await eventually('Bob\'s video decoding at Alice', async () => (await remoteFrames(alicePage)) > 10, 30_000);
    await picture.waitFor({ state: 'visible', timeout: 10_000 });
    await avatar.waitFor({ state: 'detached', timeout: 10_000 });
    await bobPage.getByTestId('mute-button').click();
    await alicePage.getByText('muted their microphone').waitFor({ timeout: 10_000 });
    await alicePage.getByTestId('call-stats').waitFor({ timeout: 10_000 });

    // Bob's camera off: his avatar, opaque, instead of his last frame.
    const camera = bobPage.getByTestId('camera-button');
    await camera.click();
    await avatar.waitFor({ timeout: 10_000 });
    await picture.waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await remotePictureBlank(alicePage), 'Bob\'s last frame cleared').to.equal(true);
    expect(await avatar.evaluate((e) => getComputedStyle(e).backgroundColor)).to.not.equal('rgba(0, 0, 0, 0)');
    // On again: his picture comes back.
    await camera.click();
    await picture.waitFor({ state: 'visible', timeout: 30_000 });
    await eventually('Bob\'s video decoding at Alice again', () => framesFlowing(alicePage), 30_000);
    expect(await remotePictureBlank(alicePage)).to.equal(false);

    // Bob hangs up: nothing of his side stays on Alice's page.
    await bobPage.getByTestId('hangup-button').click();
    await alicePage.getByTestId('call-state').filter({ hasText: 'Call ended: hung up' }).waitFor({ timeout: 20_000 });
    await noCallOnEitherHost();
    expect(await picture.isVisible()).to.equal(false);
    expect(await remotePictureBlank(alicePage), 'Bob\'s last frame cleared at the end').to.equal(true);
    expect(await alicePage.getByTestId('call-stats').count()).to.equal(0);
    expect(await alicePage.getByText('muted their microphone').count()).to.equal(0);
    await snap(alicePage, 'calls-ui-ended');
    await alicePage.getByRole('button', { name: 'Back to chat' }).click();
    await alicePage.waitForURL(`**/chats?peer=${key(bob)}`);
    await alicePage.getByTestId('composer').waitFor({ timeout: 20_000 });
    expect(errors).to.deep.equal([]);
  });

  it('a declined call leads back to the chat', async () => {
    const alicePage = await open(alice, `/chats?peer=${key(bob)}`);
    const bobPage = await open(bob, '/connect');
    await alicePage.getByTestId('composer').waitFor({ timeout: 30_000 });
    await bobPage.getByTestId('overlay-slot').waitFor({ state: 'attached', timeout: 30_000 });
    await alicePage.getByRole('button', { name: 'Voice call', exact: true }).click();
    await bobPage.getByTestId('call-banner').getByTestId('banner-decline').click({ timeout: 20_000 });
    await alicePage.getByTestId('call-state').filter({ hasText: 'Call ended: Bob declined' }).waitFor({ timeout: 20_000 });
    await alicePage.getByTestId('call-again').waitFor();
    await alicePage.getByRole('button', { name: 'Back to chat' }).click();
    await alicePage.waitForURL(`**/chats?peer=${key(bob)}`);
    await alicePage.getByTestId('composer').waitFor({ timeout: 20_000 });
    expect(errors).to.deep.equal([]);
  });

  it('Notes to self offers no call; the call page for self says why and leads back', async () => {
    const page = await open(alice, `/chats?peer=${key(bob)}`);
    const callButtons = page.getByRole('button', { name: /^(Voice|Video) call$/ });
    await callButtons.first().waitFor({ timeout: 30_000 });
    await page.goto(`${alice.url}/chats?peer=self`);
    await page.getByTestId('composer').waitFor({ timeout: 30_000 });
    // The header's views render a moment after the conversation: give them time to show wrongly.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await callButtons.count()).to.equal(0);

    // Reached anyway (a typed URL): it says so, calls nobody, and leads back to Notes to self.
    await page.goto(`${alice.url}/call/self`);
    await page.getByTestId('call-state').filter({ hasText: 'no one to call in Notes to self' }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Back to chat' }).click();
    await page.waitForURL('**/chats?peer=self');
    await page.getByTestId('composer').waitFor({ timeout: 20_000 });
    expect((await alice.request('GET', '/calls/status')).call).to.equal(null);
    expect(errors).to.deep.equal([]);
  });

  it('a lock ends the call on the page: the microphone and camera stop', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    // Keep every track the page gets, to see that none stays live behind the lock.
    await context.addInitScript({ content: RECORD_DEVICE_TRACKS });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const persona = alice.persona!;
    try {
      await page.goto(`${alice.url}/chats?peer=${key(bob)}`);
      await page.getByTestId('composer').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Video call', exact: true }).click();
      const sid = await eventually('Bob\'s host rings', async () => (await bob.request('GET', '/calls/status')).call?.stream_id as string | undefined);
      await bob.request('POST', `/sessions/${key(alice)}/calls/accept`, { stream_id: sid });
      await page.getByTestId('call-state').filter({ hasText: /^Connected / }).waitFor({ timeout: 20_000 });
      const tracks = () => page.evaluate('globalThis.__callTracks.map((t) => t.kind + ":" + t.readyState)') as Promise<string[]>;
      expect(await tracks()).to.include.members(['audio:live', 'video:live']);
      await alice.lock();
      await eventually('every device track stopped after the lock', async () => {
        const now = await tracks();
        return now.length >= 2 && now.every((t) => t.endsWith(':ended'));
      }, 15_000);
    } finally {
      await context.close().catch(() => undefined);
      await alice.unlock(persona);
    }
  });
});
