/**
 * Issue #16, end to end: during a real call between two hosts, a forged frame (one bit flipped),
 * an exact replay of a delivered frame, and frames sealed for the other direction or another
 * stream reach Bob's host over the real session, and are dropped (never on Bob's page) and counted
 * (GET /calls/status), while the genuine frames keep flowing.
 *
 * Where the forgeries come from: frames are sealed in the host (src/media-seal.ts), not in the
 * page, so a page can only hand in plaintext the host seals honestly, and the session below
 * authenticates every datagram, so no one on the network can add an event. What is left is a
 * hostile or compromised peer host: Alice runs the real calls code with a tamperer between it and
 * the bus (support/forging-caller.ts), which adds the forgeries next to her genuine sealed frames.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { PageChannel } from '@kith/sdk';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { FORGE_AT } from './support/forging-caller.js';

const FORGING_CALLER = fileURLToPath(new URL('./support/forging-caller.ts', import.meta.url));
const AUDIO = 1;
const VIDEO = 2;

interface MediaStatus { stream_id: string; sent: number; opened: number; forged: number; replayed: number }
interface Status { call: null | { audio: MediaStatus | null; video: MediaStatus | null }; counters: Record<string, number> }

describe('calls: forged, replayed and misdirected media frames between two real hosts', function () {
  this.timeout(180_000);
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  const status = (h: TestHost) => h.request<Status>('GET', '/calls/status');
  const calls = (h: TestHost, friend: TestHost, action: string, body: object = {}) =>
    h.request<any>('POST', `/sessions/${friend.persona!.key}/calls/${action}`, body);
  const frame = (type: number, body: string) => new Uint8Array([type, 0, ...Buffer.from(body)]);
  const text = (m: Uint8Array) => `${m[0] === AUDIO ? 'audio' : 'video'}:${Buffer.from(m.subarray(6)).toString()}`;
  function collect(channel: PageChannel): Uint8Array[] {
    const got: Uint8Array[] = [];
    channel.onDidReceive((m) => { if (m instanceof Uint8Array) got.push(m); });
    return got;
  }

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice', builtinEntries: { calls: FORGING_CALLER } }), startTestHost({ name: 'Bob' })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('drops and counts each forgery at Bob, and every genuine frame arrives once', async () => {
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
    const atBob = collect(bobMedia);
    const atAlice = collect(aliceMedia);
    const { stream_id: sid } = await calls(alice, bob, 'start');
    await bob.events.waitFor('calls:offered', (e: any) => e.stream_id === sid, 20_000);
    await calls(bob, alice, 'accept', { stream_id: sid });
    await alice.events.waitFor('calls:accepted', (e: any) => e.stream_id === sid, 20_000);
    await calls(alice, bob, 'video/start');
    await bob.events.waitFor('calls:video', (e: any) => e.stream_id === sid && e.on === true, 20_000);
    const arrived = (what: string) => eventually(`${what} at Bob`, async () => atBob.map(text).includes(what));
    aliceMedia.send(frame(VIDEO, 'v0'));
    await arrived('video:v0');

    // Bob talks first, so Alice's host holds a frame of his whose number is ahead of hers (reflected below).
    for (let i = 0; i < FORGE_AT.reflected + 5; i++) bobMedia.send(frame(AUDIO, `bob-${i}`));
    await eventually("Bob's frames at Alice", async () => atAlice.length === FORGE_AT.reflected + 5);

    // Alice's genuine frames one at a time (each delivered before the next), the forgeries ride along.
    for (let i = 0; i < 10; i++) {
      aliceMedia.send(frame(AUDIO, `genuine-${i}`));
      await arrived(`audio:genuine-${i}`);
    }
    aliceMedia.send(frame(VIDEO, 'v1'));
    await arrived('video:v1');

    const expected = { audio: { opened: 10, forged: 2, replayed: 1 }, video: { opened: 2, forged: 1, replayed: 0 } };
    const seen = await eventually('the forgeries counted at Bob', async () => {
      const s = await status(bob);
      const ok = s.call?.audio?.forged === expected.audio.forged && s.call.audio.replayed === expected.audio.replayed && s.call.video?.forged === expected.video.forged;
      return ok ? s : undefined;
    });
    expect(seen.call!.audio).to.include(expected.audio);
    expect(seen.call!.video).to.include(expected.video);
    expect(seen.counters).to.include({ forged: 3, replayed: 1, framesReceived: 12, stray: 0 });
    // Nothing but the genuine frames reached Bob's page, each once and in order.
    const genuine = ['video:v0', ...Array.from({ length: 10 }, (_, i) => `audio:genuine-${i}`), 'video:v1'];
    expect(atBob.map(text)).to.deep.equal(genuine);
    // Alice's host opened Bob's frames normally: the forging happened on her way out only.
    expect((await status(alice)).counters).to.include({ forged: 0, replayed: 0, framesReceived: FORGE_AT.reflected + 5 });

    // Genuine frames keep flowing after the forgeries.
    aliceMedia.send(frame(AUDIO, 'after'));
    await arrived('audio:after');
    expect((await status(bob)).call!.audio).to.include({ opened: 11, forged: 2, replayed: 1 });
    await calls(alice, bob, 'hangup');
    await bob.events.waitFor('calls:ended', (e: any) => e.stream_id === sid, 30_000);
  });
});
