/**
 * A friend who rings too much (security finding F4), between three real hosts: an offer stamped
 * far in the future is not rung; a friend offering and hanging up over and over rings RING_LIMIT
 * times per window, the rest are answered busy without a ring (and do not hold Bob's call slot),
 * and Bob's history holds one collapsed "missed calls" record for all of them; an incoming ring
 * the user has not answered does not stop the user from calling someone (the ring is declined,
 * the caller hears busy).
 *
 * Mallory runs the real calls code with a tamperer below it (support/future-offer-caller.ts) that
 * stamps her video offers a day ahead; Alice is an ordinary host driven through the routes.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { befriend, connect, eventually, startTestHost, startTestRendezvous, type TestHost, type TestRendezvous } from '@kith/sdk/testing';
import { RING_LIMIT } from '../src/call-service.js';

const FUTURE_CALLER = fileURLToPath(new URL('./support/future-offer-caller.ts', import.meta.url));

interface Status { call: null | Record<string, any>; counters: Record<string, number> }
interface Ev { peer: string; stream_id: string; reason?: string }
interface HistoryRecord { stream_id: string; direction: string; reason: string; count: number; started_at: number; ended_at: number }

describe('calls: a friend who rings too much (three real hosts)', function () {
  this.timeout(240_000);
  let rendezvous: TestRendezvous;
  let alice: TestHost;
  let bob: TestHost;
  let mallory: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const status = (h: TestHost) => h.request<Status>('GET', '/calls/status');
  const calls = (h: TestHost, friend: TestHost, action: string, body: object = {}) => h.request<any>('POST', `/sessions/${key(friend)}/calls/${action}`, body);
  const ended = (h: TestHost, sid: string) => h.events.waitFor<Ev>('calls:ended', (e) => e.stream_id === sid, 30_000);
  const offeredAt = (h: TestHost) => h.events.received.filter((e) => e.name === 'calls:offered').map((e) => (e.payload as Ev).stream_id);

  before(async () => {
    rendezvous = await startTestRendezvous();
    [alice, bob, mallory] = await Promise.all([
      startTestHost({ name: 'Alice' }),
      startTestHost({ name: 'Bob' }),
      startTestHost({ name: 'Mallory', builtinEntries: { calls: FUTURE_CALLER } }),
    ]);
    await Promise.all([alice.createPersona('Alice'), bob.createPersona('Bob'), mallory.createPersona('Mallory')]);
    await befriend(alice, bob, rendezvous.url);
    await befriend(mallory, bob, rendezvous.url);
    await connect(alice, bob, rendezvous.url);
    await connect(mallory, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close(), mallory?.close()]);
    await rendezvous?.close();
  });

  it('does not ring for an offer stamped a day ahead', async () => {
    const { stream_id: sid } = await calls(mallory, bob, 'start', { with_video: true });
    await eventually('the offer reached Bob and was counted', async () => (await status(bob)).counters.offersFuture === 1);
    expect((await status(bob)).call).to.equal(null);
    expect(offeredAt(bob)).to.not.include(sid);
    await calls(mallory, bob, 'hangup');
    await ended(mallory, sid);
  });

  it('rings a friend who offers and hangs up over and over only RING_LIMIT times, answers the rest busy, and keeps one collapsed missed-calls record', async () => {
    const before = await status(bob);
    const rungBefore = offeredAt(bob).length;
    const rounds = RING_LIMIT + 3;
    const reasons: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const { stream_id: sid } = await calls(alice, bob, 'start');
      const aliceEnded = ended(alice, sid);
      const outcome = await Promise.race([
        bob.events.waitFor<Ev>('calls:offered', (e) => e.stream_id === sid, 20_000).then(() => 'rung'),
        aliceEnded.then((e) => e.reason!),
      ]);
      if (outcome === 'rung') {
        await calls(alice, bob, 'hangup');
        expect((await ended(bob, sid)).reason).to.equal('missed');
      }
      reasons.push((await aliceEnded).reason!);
    }
    expect(offeredAt(bob).length - rungBefore).to.equal(RING_LIMIT);
    expect(reasons).to.deep.equal([...Array<string>(RING_LIMIT).fill('hangup'), ...Array<string>(rounds - RING_LIMIT).fill('busy')]);
    expect((await status(bob)).counters.offersThrottled - before.counters.offersThrottled).to.equal(rounds - RING_LIMIT);
    // A throttled friend does not hold the call slot: Mallory still rings.
    const { stream_id: other } = await calls(mallory, bob, 'start');
    await bob.events.waitFor<Ev>('calls:offered', (e) => e.stream_id === other, 20_000);
    await calls(mallory, bob, 'hangup');
    await ended(bob, other);

    // The rung-and-missed calls and the throttled offers (recorded once) share one record.
    const history = await eventually('the collapsed record at Bob', async () => {
      const list = (await bob.request<{ calls: HistoryRecord[] }>('GET', `/calls/history?peer=${key(alice)}`)).calls;
      return list[0]?.count === RING_LIMIT + 1 ? list : undefined;
    });
    expect(history).to.have.length(1);
    expect(history[0]).to.include({ direction: 'incoming', reason: 'missed', count: RING_LIMIT + 1 });
    expect(history[0]!.ended_at).to.be.above(history[0]!.started_at);
    // Each write went through (the first one's pruning included): one `history` event each.
    await eventually('a history event per write', async () =>
      bob.events.received.filter((e) => e.name === 'calls:history' && (e.payload as Ev).peer === key(alice)).length === RING_LIMIT + 1);
  });

  it('lets the user call someone while a ring goes unanswered: the ring is declined, the caller hears busy', async () => {
    const { stream_id: ring } = await calls(mallory, bob, 'start');
    await bob.events.waitFor<Ev>('calls:offered', (e) => e.stream_id === ring, 20_000);
    const malloryEnded = ended(mallory, ring);
    const answer = await bob.call('POST', `/sessions/${key(alice)}/calls/start`, {});
    expect(answer.status).to.equal(201);
    const { stream_id: out } = answer.body as { stream_id: string };
    expect((await malloryEnded).reason).to.equal('busy');
    expect((await ended(bob, ring)).reason).to.equal('rejected');
    await alice.events.waitFor<Ev>('calls:offered', (e) => e.stream_id === out, 20_000);
    expect((await status(bob)).call).to.include({ stream_id: out, direction: 'outgoing', state: 'ringing' });
    // An outgoing call (or an answered one) is not pre-empted.
    expect((await bob.call('POST', `/sessions/${key(mallory)}/calls/start`, {})).status).to.equal(409);
    await calls(bob, alice, 'hangup');
    await ended(alice, out);
  });
});
