/**
 * A friend who starts video again under a stream id the call used before (attack round 27): the
 * stream's keys come from its id, so opening it anew would make this side seal its video from
 * counter 0 under the same key again, reusing (key, nonce) pairs. The start is ignored and counted
 * as stray; a fresh id still opens video. Alice runs the real calls code with a tamperer below it
 * (support/reusing-video-caller.ts); Bob is a stock host.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { befriend, connect, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';

const REUSING_CALLER = fileURLToPath(new URL('./support/reusing-video-caller.ts', import.meta.url));

interface Status { call: null | { video: null | { stream_id: string } }; counters: Record<string, number> }

describe('calls: video started again under a stream id used before', function () {
  this.timeout(180_000);
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  const status = (h: TestHost) => h.request<Status>('GET', '/calls/status');
  const calls = (h: TestHost, friend: TestHost, action: string, body: object = {}) =>
    h.request<any>('POST', `/sessions/${friend.persona!.key}/calls/${action}`, body);

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alice, bob] = await Promise.all([startTestHost({ name: 'Alice', builtinEntries: { calls: REUSING_CALLER } }), startTestHost({ name: 'Bob' })]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob')]);
    await befriend(alice, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
  });

  it('ignores and counts the reused id (no stream opened anew), while video under a fresh id of its own still works', async () => {
    const { stream_id: sid } = await calls(alice, bob, 'start');
    await bob.events.waitFor('calls:offered', (e: any) => e.stream_id === sid, 20_000);
    await calls(bob, alice, 'accept', { stream_id: sid });
    await alice.events.waitFor('calls:accepted', (e: any) => e.stream_id === sid, 20_000);

    await calls(alice, bob, 'video/start');
    const first = await bob.events.waitFor('calls:video', (e: any) => e.stream_id === sid && e.on === true, 20_000);
    await calls(alice, bob, 'video/stop');
    await bob.events.waitFor('calls:video', (e: any) => e.on === false, 20_000);
    expect((await status(bob)).call!.video).to.equal(null);

    // Alice's host picks a fresh id; what reaches Bob carries the first one again.
    const strayBefore = (await status(bob)).counters.stray!;
    await calls(alice, bob, 'video/start');
    // A control event Alice sends after it: once it is here, so is the video start.
    await calls(alice, bob, 'mute', { muted: true });
    await bob.events.waitFor('calls:mute', (e: any) => e.muted === true, 20_000);
    const after = await status(bob);
    expect(after.call!.video, 'Bob opened the used stream id again').to.equal(null);
    expect(after.counters.stray).to.equal(strayBefore + 1);

    // Bob's own video under an id of his choosing is untouched by all this.
    const own = await calls(bob, alice, 'video/start');
    expect(own.stream_id).to.be.a('string').and.not.equal((first as any).video_stream_id);
    expect((await status(bob)).call!.video).to.deep.include({ stream_id: own.stream_id });
    await calls(alice, bob, 'hangup');
  });
});
