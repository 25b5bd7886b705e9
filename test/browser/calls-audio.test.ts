/**
 * A call's audio through two real hosts and two real Chromium pages with fake media devices:
 * Alice's page captures the fake microphone and encodes Opus with WebCodecs (the calls engine,
 * extensions/calls/ui/audio-engine.ts), the frames go through Alice's `media` page channel, are
 * sealed by her host, cross the UDP session as unreliable events, are opened by Bob's host and
 * reach Bob's page, whose WebCodecs decoder turns them back into sound.
 *
 * The pages are plain pages on a local server, not the Kith shell (the call UI is not built yet):
 * the page channel ends are the test kit's, bridged to the pages by Playwright.
 */
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { needs } from '../support/needs.js';
import { chromiumPath } from '../support/system-parts.js';
import { CHROMIUM_ARGS, ROOT } from './harness.js';
import { startCall } from '../../extensions/calls/test/browser-lab/call-setup.js';

const ENGINE = path.join(ROOT, 'extensions/calls/ui/engine.ts');

describe('calls: audio and video from fake devices decode at the friend (Chromium, two hosts)', function () {
  needs('chromium');
  this.timeout(300_000);
  let net: TestNetwork;
  let browser: Browser;
  let server: http.Server;
  let origin: string;

  before(async () => {
    const bundle = await build({ entryPoints: [ENGINE], bundle: true, format: 'iife', globalName: 'callsEngine', write: false, target: 'chrome120' });
    const script = bundle.outputFiles[0]!.text;
    server = http.createServer((request, response) => {
      if (request.url === '/engine.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/engine.js"></script>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    net = await startTestNetwork({ hosts: 2 });
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await browser?.close();
    await net?.close();
    server?.close();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.error('page error', error));
    await page.goto(origin);
    return page;
  }

  it('is offered, accepted, and Opus frames from Alice\'s microphone decode on Bob\'s page', async () => {
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');

    const sid = await startCall(alice, bob);

    const bobPage = await openPage();
    await bobPage.evaluate(() => {
      const w = window as any;
      w.playout = w.callsEngine.createAudioPlayout();
      w.receive = (seq: number, base64: string) => w.playout.push(seq, Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    });
    const received: number[] = [];
    bobMedia.onDidReceive((message) => {
      if (!(message instanceof Uint8Array) || message[0] !== 1) return;
      const seq = new DataView(message.buffer, message.byteOffset).getUint32(2);
      received.push(seq);
      bobPage.evaluate(([s, b]) => (window as any).receive(s, b), [seq, Buffer.from(message.subarray(6)).toString('base64')] as const).catch(() => undefined);
    });

    const alicePage = await openPage();
    let encoded = 0;
    await alicePage.exposeFunction('sendFrame', (base64: string) => {
      encoded++;
      aliceMedia.send(new Uint8Array([1, 0, ...Buffer.from(base64, 'base64')]));
    });
    // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
    await alicePage.evaluate(`(async () => {
      const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
      window.capture = await window.callsEngine.startAudioCapture((frame) => window.sendFrame(toBase64(frame)));
    })()`);

    // 2 s of 20 ms frames is 100; allow for start-up and the loaded machine.
    await eventually('Bob decoded 50 frames', async () => (await bobPage.evaluate(() => (window as any).playout.stats.decodedFrames)) >= 50, 60_000);
    await alicePage.evaluate(() => (window as any).capture.stop());
    const stats = await bobPage.evaluate(() => (window as any).playout.stats);
    expect(stats.decodedSamples).to.be.at.least(50 * 960); // 20 ms at 48 kHz each
    expect(stats.peak).to.be.above(0.01); // the fake microphone's beep, not silence
    expect(encoded).to.be.at.least(received.length);
    expect(new Set(received).size).to.equal(received.length);
    const status = await bob.request<{ call: { audio: { forged: number; replayed: number; opened: number } } }>('GET', '/calls/status');
    expect(status.call.audio).to.include({ forged: 0, replayed: 0 });
    expect(status.call.audio.opened).to.equal(received.length);

    await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
    await bob.events.waitFor<{ stream_id: string }>('calls:ended', (e) => e.stream_id === sid, 20_000);
  });

  it('opens a video sub-stream: VP9 frames from the fake camera decode on Bob\'s page, and camera-off stops them', async () => {
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
    const sid = await startCall(alice, bob, { video: true });

    const alicePage = await openPage();
    await alicePage.exposeFunction('sendVideo', (base64: string, keyframe: boolean) => {
      aliceMedia.send(new Uint8Array([2, keyframe ? 1 : 0, ...Buffer.from(base64, 'base64')]));
    });
    const codec = await alicePage.evaluate(`(async () => {
      const toBase64 = (bytes) => { let s = ''; for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096)); return btoa(s); };
      window.capture = await window.callsEngine.startVideoCapture((frame, key) => window.sendVideo(toBase64(frame), key));
      return window.capture.codec;
    })()`) as string;

    const bobPage = await openPage();
    await bobPage.evaluate(`window.playout = window.callsEngine.createVideoPlayout(${JSON.stringify(codec)})`);
    let received = 0;
    bobMedia.onDidReceive((message) => {
      if (!(message instanceof Uint8Array) || message[0] !== 2) return;
      received++;
      const seq = new DataView(message.buffer, message.byteOffset).getUint32(2);
      const b64 = Buffer.from(message.subarray(6)).toString('base64');
      bobPage.evaluate(`window.playout.push(${seq}, Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0)), ${message[1] === 1})`).catch(() => undefined);
    });
    await eventually('Bob decoded 20 video frames', async () => (await bobPage.evaluate('window.playout.stats.decodedFrames')) as number >= 20, 60_000);
    const stats = await bobPage.evaluate('window.playout.stats') as { width: number; height: number };
    expect(stats.width).to.equal(320);
    expect(stats.height).to.equal(240);

    // Camera off: the host drops the page's frames, so none reach Bob.
    await alice.request('POST', `/sessions/${bob.persona!.key}/calls/video/mute`, { off: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const frozen = received;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(received).to.equal(frozen);
    await alicePage.evaluate('window.capture.stop()');
    await alice.request('POST', `/sessions/${bob.persona!.key}/calls/hangup`, {});
    await bob.events.waitFor<{ stream_id: string }>('calls:ended', (e) => e.stream_id === sid, 20_000);
  });
});
