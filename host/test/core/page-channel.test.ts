/**
 * Page channels through the public SDK: a real Kith program (the test kit), real extensions that
 * only use their context, and pages that are real socket.io connections with the launch secret
 * (`TestHost.openPage`), using the same page-side code as the shell's `UiHost.openChannel`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { io } from 'socket.io-client';
import { eventually, startTestHost, type TestHost } from '@kith/sdk/testing';
import { PAGE_CHANNEL_LIMITS, isKithError, type PageChannel, type PageChannelMessage } from '@kith/sdk';
import { ECHO_EXTENSIONS, writeChannelExtensions } from './support/beam-extension.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const frameNumber = (m: PageChannelMessage) => new DataView((m as Uint8Array).buffer, (m as Uint8Array).byteOffset).getUint32(0);

/** Every message a channel receives, with its arrival time. */
function collect(channel: PageChannel): Array<{ message: PageChannelMessage; at: number }> {
  const got: Array<{ message: PageChannelMessage; at: number }> = [];
  channel.onDidReceive((message) => {
    got.push({ message, at: Date.now() });
  });
  return got;
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: isKithError(error) ? error.code : undefined, message: (error as Error).message };
  }
  throw new Error('expected a rejection');
}

describe('page channels (ctx.pageChannels <-> UiHost.openChannel) on a real host', function () {
  this.timeout(60_000);
  let work: string;
  let t: TestHost;
  const state = () => t.request<any>('GET', '/beam/state');

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-channels-'));
    t = await startTestHost({ extensions: writeChannelExtensions(work), builtin: false });
    await t.createPersona('Alice');
  });
  after(async () => {
    await t?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('round trip both ways: binary stays a Uint8Array, structured data comes back equal (with binary inside)', async () => {
    const page = await t.openPage();
    const echo = await page.openChannel('beam', 'echo');
    expect(echo).to.include({ name: 'echo', policy: 'pause', maxMessageBytes: PAGE_CHANNEL_LIMITS.maxMessageBytes, isOpen: true });
    const got = collect(echo);
    const big = new Uint8Array(PAGE_CHANNEL_LIMITS.maxMessageBytes).map((_, i) => i * 7);
    expect(echo.send(new Uint8Array([0, 1, 2, 255]))).to.equal(true);
    expect(echo.send({ text: 'héllo', n: 3.5, nested: { ok: true, bytes: new Uint8Array([4, 5]) }, list: [null, 'x'] })).to.equal(true);
    expect(echo.send(big)).to.equal(true);
    await eventually('three echoes', async () => got.length === 3);
    expect(got[0]!.message).to.be.instanceOf(Uint8Array).and.deep.equal(new Uint8Array([0, 1, 2, 255]));
    expect(got[1]!.message).to.deep.equal({ text: 'héllo', n: 3.5, nested: { ok: true, bytes: new Uint8Array([4, 5]) }, list: [null, 'x'] });
    expect((got[2]!.message as Uint8Array).byteLength).to.equal(big.byteLength);
    expect(Buffer.from(got[2]!.message as Uint8Array).equals(Buffer.from(big))).to.equal(true);

    // Host first: the extension pushes to the page.
    await t.request('POST', '/beam/push');
    await eventually('the pushed pair', async () => got.length === 5);
    expect(got[3]!.message).to.deep.equal(new Uint8Array([9, 8, 7]));
    expect(got[4]!.message).to.deep.equal({ from: 'host', bytes: new Uint8Array([1, 2]), list: [1, 'two', null] });
    const mine = (await state()).echo.find((e: any) => e.page === echo.page);
    expect(mine.stats).to.include({ received: 3, sent: 5, dropped: 0 });
    page.close();
  });

  it('an oversized message is refused with KITH_ERR_PAYLOAD_TOO_LARGE at either end, and plain data only', async () => {
    const page = await t.openPage();
    const echo = await page.openChannel('beam', 'echo');
    expect(() => echo.send(new Uint8Array(PAGE_CHANNEL_LIMITS.maxMessageBytes + 1)))
      .to.throw(/at most 1048576 bytes/).with.property('code', 'KITH_ERR_PAYLOAD_TOO_LARGE');
    expect(() => echo.send({ text: 'x'.repeat(PAGE_CHANNEL_LIMITS.maxMessageBytes) })).to.throw().with.property('code', 'KITH_ERR_PAYLOAD_TOO_LARGE');
    expect(() => echo.send({ when: new Date() } as never)).to.throw(/plain data/).with.property('code', 'KITH_ERR_BAD_REQUEST');
    expect(await t.request('POST', '/beam/oversized')).to.deep.include({ code: 'KITH_ERR_PAYLOAD_TOO_LARGE' });
    expect(echo.isOpen).to.equal(true);
    page.close();
  });

  it('a page that stops reading: drop-oldest counts drops, host memory stays bounded, another page gets every frame on time', async () => {
    const fast = await t.openPage();
    const frozen = await t.openPage();
    const blocked = await t.openPage();
    const fastFrames = collect(await fast.openChannel('beam', 'frames'));
    const frozenChannel = await frozen.openChannel('beam', 'frames');
    const frozenFrames = collect(frozenChannel);
    const blockedChannel = await blocked.openChannel('beam', 'frames');
    let blockedSeen = 0;
    blockedChannel.onDidReceive(() => {
      blockedSeen++;
      return new Promise(() => undefined); // its handler never finishes
    });
    frozen.pause(); // the tab stops reading its socket: nothing arrives, no credit goes back

    const count = 200;
    const size = 16 * 1024;
    const { ms } = await t.request<{ ms: number }>('POST', '/beam/frames', { count, perSecond: 100, size });
    expect(ms).to.be.within(1900, 3000);
    await eventually('the fast page has every frame', async () => fastFrames.length === count);
    expect(fastFrames.map((f) => frameNumber(f.message))).to.deep.equal([...Array(count).keys()]);
    // Full rate: 100 a second, with no stall behind the stuck pages.
    const span = fastFrames.at(-1)!.at - fastFrames[0]!.at;
    expect(span).to.be.within(1800, 3000);
    const gaps = fastFrames.slice(1).map((f, i) => f.at - fastFrames[i]!.at);
    expect(Math.max(...gaps)).to.be.below(250);

    const { frames } = await state();
    const stuck = frames.filter((f: any) => f.stats.dropped > 0);
    expect(stuck).to.have.length(2);
    for (const { stats } of stuck) {
      // Bounded: one credit window in flight plus the 16-message queue, whatever the rate or duration.
      expect(stats.inFlightMessages).to.be.at.most(PAGE_CHANNEL_LIMITS.windowMessages);
      expect(stats.queuedMessages).to.equal(16);
      expect(stats.inFlightBytes + stats.queuedBytes).to.be.at.most((PAGE_CHANNEL_LIMITS.windowMessages + 16) * size);
      expect(stats.sent + stats.dropped + stats.queuedMessages).to.equal(count);
      expect(stats.dropped).to.be.at.least(count - PAGE_CHANNEL_LIMITS.windowMessages - 16);
    }
    const fastStats = frames.find((f: any) => f.stats.dropped === 0).stats;
    expect(fastStats).to.include({ sent: count, dropped: 0, queuedMessages: 0 });
    expect(blockedSeen).to.equal(1);

    // The frozen tab reads again: it gets what was in flight and the newest queued frames, in order.
    frozen.resume();
    await eventually('the frozen page catches up', async () => frozenFrames.length === PAGE_CHANNEL_LIMITS.windowMessages + 16);
    const numbers = frozenFrames.map((f) => frameNumber(f.message));
    expect(numbers.slice(-16)).to.deep.equal([...Array(16).keys()].map((i) => count - 16 + i));
    expect(numbers).to.deep.equal([...numbers].sort((a, b) => a - b));
    for (const page of [fast, frozen, blocked]) page.close();
  });

  it('pause: the host sender waits while the page does not read, then sends everything in order', async () => {
    const page = await t.openPage();
    const paced = await page.openChannel('beam', 'paced');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const got: number[] = [];
    paced.onDidReceive(async (message) => {
      got.push(frameNumber(message));
      await gate;
    });
    await t.request('POST', '/beam/paced', { count: 300, size: 4096 });
    await eventually('the sender is held', async () => (await state()).paced.refused > 0);
    await sleep(300);
    const held = (await state()).paced;
    // One window in flight plus its 8-message queue, then send() said no and it waits.
    expect(held.sent).to.equal(PAGE_CHANNEL_LIMITS.windowMessages + 8);
    expect(held).to.include({ refused: 1, done: false, writable: false });
    expect(held.stats).to.include({ dropped: 0, queuedMessages: 8, inFlightMessages: PAGE_CHANNEL_LIMITS.windowMessages });
    expect(got).to.deep.equal([0]);

    release();
    await eventually('every frame arrived', async () => got.length === 300);
    expect(got).to.deep.equal([...Array(300).keys()]);
    const done = (await state()).paced;
    expect(done).to.include({ done: true, sent: 300, error: null });
    expect(done.drains).to.be.at.least(1);
    expect(done.stats.dropped).to.equal(0);
    page.close();
  });

  it('pause toward the host: the page sender gets false, then whenWritable once the extension reads again', async () => {
    const page = await t.openPage();
    const sink = await page.openChannel('beam', 'sink');
    let accepted = 0;
    while (sink.send(new Uint8Array(1000))) accepted++;
    expect(accepted).to.equal(PAGE_CHANNEL_LIMITS.windowMessages + 64);
    expect(sink.writable).to.equal(false);
    expect(sink.stats).to.include({ refused: 1, dropped: 0, queuedMessages: 64 });
    let writable = false;
    const wait = sink.whenWritable().then(() => (writable = true));
    await sleep(200);
    expect(writable).to.equal(false);
    await t.request('POST', '/beam/sink/release');
    await wait;
    expect(sink.send(new Uint8Array(1))).to.equal(true);
    await eventually('the extension read everything', async () => (await state()).sink.received === accepted + 1);
    page.close();
  });

  it('only the extension that registered a name gets its channels; another page cannot touch them', async () => {
    const page = await t.openPage();
    const beamEcho = await page.openChannel('beam', 'echo');
    const got = collect(beamEcho);
    const otherEcho = await page.openChannel('other', 'echo');
    expect(beamEcho.send(new Uint8Array([1]))).to.equal(true);
    await eventually('the beam echo', async () => got.length === 1);
    const other = await t.request<any>('GET', '/other/state');
    expect(other).to.include({ received: 0, opened: 1, open: 1 });
    expect(beamEcho.page).to.equal(otherEcho.page);
    expect((await rejection(page.openChannel('other', 'frames'))).code).to.equal('KITH_ERR_NOT_FOUND');
    expect((await rejection(page.openChannel('beam', 'nope'))).message).to.contain('accepts no page channel "nope"');
    expect((await rejection(page.openChannel('Beam!', 'echo'))).code).to.equal('KITH_ERR_BAD_REQUEST');

    // A second page that learned a channel id (here: opened it raw) cannot send, credit or close on it.
    const raw = io(t.url, { path: '/api/ws', auth: { secret: t.secret }, transports: ['websocket'], extraHeaders: { origin: t.url, 'x-kith-secret': t.secret }, forceNew: true, reconnection: false });
    const intruder = io(t.url, { path: '/api/ws', auth: { secret: t.secret }, transports: ['websocket'], extraHeaders: { origin: t.url, 'x-kith-secret': t.secret }, forceNew: true, reconnection: false });
    try {
      const answer = (await raw.timeout(5000).emitWithAck('~pc:open', { extension: 'beam', name: 'echo' })) as { ok: boolean; id: string; page: string };
      expect(answer.ok).to.equal(true);
      const echoed: unknown[] = [];
      intruder.on('~pc:m', (_id: string, m: unknown) => echoed.push(m));
      // It may have connected while the raw page opened its channel: wait only if it has not.
      if (!intruder.connected) await new Promise<void>((resolve) => intruder.once('connect', () => resolve()));
      intruder.emit('~pc:m', answer.id, 'sneaky');
      intruder.emit('~pc:close', answer.id, 'closed');
      await sleep(200);
      const mine = (await state()).echo.find((e: any) => e.page === answer.page);
      expect(mine.stats.received).to.equal(0);
      expect(echoed).to.deep.equal([]);
      expect((await state()).open.filter((o: any) => o.page === answer.page)).to.have.length(1);
    } finally {
      raw.close();
      intruder.close();
    }
    page.close();
  });

  it(`a page holds at most ${PAGE_CHANNEL_LIMITS.maxChannelsPerExtensionPerPage} channels of one extension, ${PAGE_CHANNEL_LIMITS.maxChannelsPerPage} in all`, async () => {
    const page = await t.openPage();
    const perExtension = PAGE_CHANNEL_LIMITS.maxChannelsPerExtensionPerPage;
    const open = await Promise.all([...Array(perExtension)].map(() => page.openChannel('beam', 'echo')));
    // One extension's views cannot take every channel of the page (another's, a call's media).
    const mine = await rejection(page.openChannel('beam', 'echo'));
    expect(mine.code).to.equal('KITH_ERR_RATE_LIMITED');
    expect(mine.message).to.match(/of one extension/);
    for (const id of ECHO_EXTENSIONS.slice(0, PAGE_CHANNEL_LIMITS.maxChannelsPerPage / perExtension - 1)) {
      for (let i = 0; i < perExtension; i++) open.push(await page.openChannel(id, 'echo'));
    }
    expect(open).to.have.length(PAGE_CHANNEL_LIMITS.maxChannelsPerPage);
    const full = await rejection(page.openChannel(ECHO_EXTENSIONS.at(-1)!, 'echo'));
    expect(full.code).to.equal('KITH_ERR_RATE_LIMITED');
    expect(full.message).to.match(/at most 16 channels open/);
    open[0]!.close();
    await sleep(100);
    (await page.openChannel('beam', 'echo')).close();
    page.close();
  });

  it('channels close when the page goes away, the extension is turned off, the persona switches, and on lock', async () => {
    const closes = async () => (await state()).closes as Array<{ kind: string; page: string; reason: string }>;
    const gone = await t.openPage();
    const goneChannel = await gone.openChannel('beam', 'echo');
    gone.close();
    await eventually('page-gone on the host', async () => (await closes()).some((c) => c.page === goneChannel.page && c.reason === 'page-gone'));
    expect(goneChannel.isOpen).to.equal(false);

    const page = await t.openPage();
    const channel = await page.openChannel('beam', 'echo');
    const reasons: string[] = [];
    channel.onDidClose(({ reason }) => reasons.push(reason));
    await t.request('POST', '/extensions/beam', { enabled: false });
    await eventually('closed for the page', async () => reasons.length === 1);
    expect(reasons).to.deep.equal(['extension-stopped']);
    expect(() => channel.send(new Uint8Array(1))).to.throw().with.property('code', 'KITH_ERR_CONFLICT');
    expect((await rejection(page.openChannel('beam', 'echo'))).code).to.equal('KITH_ERR_NOT_FOUND');
    await t.request('POST', '/extensions/beam', { enabled: true });

    // A persona switch stops the extension for Alice (it starts again for Bob): Alice's channel closes.
    const alices = await page.openChannel('beam', 'echo');
    const switchReasons: string[] = [];
    alices.onDidClose(({ reason }) => switchReasons.push(reason));
    const alice = t.persona!;
    await t.createPersona('Bob');
    await eventually('closed on switch', async () => switchReasons.length === 1);
    expect(switchReasons).to.deep.equal(['extension-stopped']);
    const bobs = await page.openChannel('beam', 'echo');
    const bobGot = collect(bobs);
    bobs.send('for bob');
    await eventually("Bob's echo", async () => bobGot.length === 1);
    await t.unlock(alice);

    const locked = await page.openChannel('beam', 'echo');
    const lockedReasons: string[] = [];
    locked.onDidClose(({ reason }) => lockedReasons.push(reason));
    const persona = t.persona!;
    await t.lock();
    await eventually('closed on lock', async () => lockedReasons.length === 1);
    expect(['extension-stopped', 'page-gone']).to.include(lockedReasons[0]);
    await t.unlock(persona);
  });
});

