/**
 * Calls between two real hosts (separate processes, a real UDP session, real page channels):
 * offer → ring → accept → sealed frames both ways → hangup on both sides; reject, busy, missed
 * after the ring timeout; the friend with calls off gives a NACK in the user's words; the session
 * dropping and a lock end the call; a video sub-stream starts and stops while audio goes on.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import type { PageChannel } from '@kith/sdk';

interface Status { call: null | Record<string, any>; counters: Record<string, number> }
type Ev = { peer: string; stream_id: string; reason?: string; message?: string; with_video?: boolean; on?: boolean; muted?: boolean };

describe('calls between two hosts', function () {
  this.timeout(240_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  let carol: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const status = (h: TestHost) => h.request<Status>('GET', '/calls/status');
  const calls = (h: TestHost, friend: TestHost, action: string, body: object = {}) => h.request<any>('POST', `/sessions/${key(friend)}/calls/${action}`, body);

  async function ring(from: TestHost, to: TestHost, withVideo = false): Promise<string> {
    const { stream_id } = await calls(from, to, 'start', { with_video: withVideo });
    const offered = await to.events.waitFor<Ev>('calls:offered', (e) => e.stream_id === stream_id, 20_000);
    expect(offered.peer).to.equal(key(from));
    expect(offered.with_video).to.equal(withVideo);
    return stream_id;
  }
  async function answer(from: TestHost, to: TestHost): Promise<string> {
    const sid = await ring(from, to);
    await calls(to, from, 'accept', { stream_id: sid });
    await from.events.waitFor<Ev>('calls:accepted', (e) => e.stream_id === sid, 20_000);
    return sid;
  }
  const ended = (h: TestHost, sid: string) => h.events.waitFor<Ev>('calls:ended', (e) => e.stream_id === sid, 30_000);
  const idle = async (h: TestHost) => eventually('no call', async () => (await status(h)).call === null);
  function collect(channel: PageChannel): Uint8Array[] {
    const got: Uint8Array[] = [];
    channel.onDidReceive((m) => { if (m instanceof Uint8Array) got.push(m); });
    return got;
  }
  const frame = (type: number, body: string, flags = 0) => new Uint8Array([type, flags, ...Buffer.from(body)]);

  before(async () => {
    net = await startTestNetwork({ hosts: 3 });
    [alice, bob, carol] = net.hosts as [TestHost, TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => net?.close());

  it('offers, rings, is accepted, relays sealed frames both ways in order, and hangs up on both sides', async () => {
    const alicePage = await alice.openPage();
    const bobPage = await bob.openPage();
    const aliceMedia = await alicePage.openChannel('calls', 'media');
    const bobMedia = await bobPage.openChannel('calls', 'media');
    const atBob = collect(bobMedia);
    const atAlice = collect(aliceMedia);

    const sid = await ring(alice, bob);
    expect((await status(bob)).call).to.include({ stream_id: sid, state: 'ringing', direction: 'incoming' });
    await calls(bob, alice, 'accept', { stream_id: sid });
    await alice.events.waitFor<Ev>('calls:accepted', (e) => e.stream_id === sid, 20_000);
    expect((await status(alice)).call).to.include({ state: 'active', direction: 'outgoing' });

    for (let i = 0; i < 20; i++) aliceMedia.send(frame(1, `opus-frame-${i}`));
    bobMedia.send(frame(1, 'hello-from-bob'));
    await eventually('frames at Bob', async () => atBob.length >= 18);
    await eventually('frame at Alice', async () => atAlice.length === 1);
    const seqs = atBob.map((m) => new DataView(m.buffer, m.byteOffset).getUint32(2));
    expect(atBob[0]![0]).to.equal(1);
    expect(Buffer.from(atBob[0]!.subarray(6)).toString()).to.match(/^opus-frame-\d+$/);
    expect(new Set(seqs).size).to.equal(seqs.length); // each frame once
    expect(Buffer.from(atAlice[0]!.subarray(6)).toString()).to.equal('hello-from-bob');
    const bobStatus = await status(bob);
    expect(bobStatus.call!.audio).to.include({ forged: 0, replayed: 0 });
    expect(bobStatus.call!.audio.opened).to.equal(atBob.length);

    // Mic mute: the friend is told, and the page's frames are no longer sent.
    await calls(alice, bob, 'mute', { muted: true });
    await bob.events.waitFor<Ev>('calls:mute', (e) => e.stream_id === sid && e.muted === true);
    const before = atBob.length;
    for (let i = 0; i < 5; i++) aliceMedia.send(frame(1, 'muted'));
    await eventually('muted frames dropped at Alice', async () => (await status(alice)).counters.dropped >= 5);
    expect(atBob.length).to.equal(before);
    await calls(alice, bob, 'mute', { muted: false });

    await calls(bob, alice, 'hangup');
    expect((await ended(bob, sid)).reason).to.equal('hangup');
    expect((await ended(alice, sid)).reason).to.equal('hangup');
    await idle(alice);
    await idle(bob);
    alicePage.close();
    bobPage.close();
  });

  it('opens a video sub-stream with its own key and sequence space while audio goes on, then closes it', async () => {
    const alicePage = await alice.openPage();
    const bobPage = await bob.openPage();
    const aliceMedia = await alicePage.openChannel('calls', 'media');
    const atBob = collect(await bobPage.openChannel('calls', 'media'));
    const sid = await answer(alice, bob);
    aliceMedia.send(frame(1, 'a0'));
    await eventually('audio at Bob', async () => atBob.length === 1);
    const { stream_id: vsid } = await calls(alice, bob, 'video/start');
    expect(vsid).to.match(/^[0-9a-f]{32}$/).and.not.equal(sid);
    await bob.events.waitFor<Ev>('calls:video', (e) => e.stream_id === sid && e.on === true);
    aliceMedia.send(frame(2, 'vp9-key', 1));
    aliceMedia.send(frame(1, 'a1'));
    await eventually('video and audio at Bob', async () => atBob.length === 3);
    const video = atBob.find((m) => m[0] === 2)!;
    expect(video[1]).to.equal(1); // keyframe flag
    expect(new DataView(video.buffer, video.byteOffset).getUint32(2)).to.equal(0); // its own sequence space
    expect(Buffer.from(video.subarray(6)).toString()).to.equal('vp9-key');
    expect((await status(bob)).call!.video).to.include({ stream_id: vsid, opened: 1 });
    await calls(alice, bob, 'video/stop');
    await bob.events.waitFor<Ev>('calls:video', (e) => e.stream_id === sid && e.on === false);
    aliceMedia.send(frame(1, 'a2'));
    await eventually('audio continues', async () => atBob.length === 4);
    expect((await status(bob)).call!.video).to.equal(null);
    await calls(alice, bob, 'hangup');
    await ended(bob, sid);
    alicePage.close();
    bobPage.close();
  });

  it('reject ends the call on both sides', async () => {
    const sid = await ring(alice, bob);
    await calls(bob, alice, 'reject', { stream_id: sid });
    expect((await ended(alice, sid)).reason).to.equal('rejected');
    expect((await ended(bob, sid)).reason).to.equal('rejected');
  });

  it('answers busy when a third friend calls during a call, and the call goes on', async () => {
    await net.befriend(carol, bob);
    await net.connect(carol, bob);
    const sid = await answer(alice, bob);
    const { stream_id: other } = await calls(carol, bob, 'start');
    expect((await ended(carol, other)).reason).to.equal('busy');
    expect((await status(bob)).call).to.include({ stream_id: sid, state: 'active' });
    expect(bob.events.received.some((e) => e.name === 'calls:offered' && (e.payload as Ev).stream_id === other)).to.equal(false);
    // Starting a second call of one's own is refused locally.
    const again = await alice.call('POST', `/sessions/${key(bob)}/calls/start`, {});
    expect(again.status).to.equal(409);
    await calls(alice, bob, 'hangup');
    await ended(bob, sid);
  });

  it('counts a call nobody answers as missed on both sides after the ring timeout', async () => {
    const timeout = (value: number) => Promise.all([alice, bob].map((h) => h.request('PUT', '/extensions/calls/settings/calls.ring-timeout-s', { value })));
    await timeout(2);
    try {
      const sid = await ring(alice, bob);
      const started = Date.now();
      expect((await ended(alice, sid)).reason).to.equal('missed');
      expect((await ended(bob, sid)).reason).to.equal('missed');
      expect(Date.now() - started).to.be.below(6_000);
    } finally {
      await timeout(30);
    }
  });

  it('goes on when the session comes back within the reconnect grace, and frames flow again', async () => {
    const aliceMedia = await (await alice.openPage()).openChannel('calls', 'media');
    const bobMedia = await (await bob.openPage()).openChannel('calls', 'media');
    const atBob = collect(bobMedia);
    const sid = await answer(alice, bob);
    await alice.request('DELETE', `/sessions/${key(bob)}`);
    await alice.events.waitFor<Ev>('calls:reconnecting', (e) => e.stream_id === sid, 20_000);
    await net.connect(alice, bob);
    await alice.events.waitFor<Ev>('calls:reconnected', (e) => e.stream_id === sid, 20_000);
    expect((await status(alice)).call).to.include({ stream_id: sid, state: 'active' });
    for (let i = 0; i < 5; i++) aliceMedia.send(frame(1, `after-${i}`));
    await eventually('frames at Bob after the reconnect', async () => atBob.length >= 3);
    await calls(alice, bob, 'hangup');
    expect((await ended(bob, sid)).reason).to.equal('hangup');
    aliceMedia.close();
    bobMedia.close();
  });

  it('ends the call on both sides when the session stays gone past the reconnect grace, and on a lock (keys dropped)', async () => {
    let sid = await answer(alice, bob);
    await alice.request('DELETE', `/sessions/${key(bob)}`);
    expect((await ended(alice, sid)).reason).to.equal('session-lost');
    expect((await ended(bob, sid)).reason).to.equal('session-lost');
    await net.connect(alice, bob);
    sid = await answer(alice, bob);
    const persona = bob.persona!;
    await bob.lock();
    expect((await ended(alice, sid)).reason).to.equal('session-lost');
    await bob.unlock(persona);
    expect((await status(bob)).call).to.equal(null);
    await net.connect(alice, bob);
  });

  it('shows "Bob has calls turned off" when the friend has calls off', async () => {
    await bob.request('POST', '/extensions/calls', { enabled: false });
    try {
      const { stream_id: sid } = await calls(alice, bob, 'start');
      const nack = await alice.events.waitFor<Ev>('calls:nack', (e) => e.stream_id === sid, 40_000);
      expect(nack.message).to.equal('Bob has calls turned off');
      expect((await ended(alice, sid)).reason).to.equal('refused');
    } finally {
      await bob.request('POST', '/extensions/calls', { enabled: true });
    }
  });
});
