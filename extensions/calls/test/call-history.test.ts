/**
 * The call history between two real hosts: each finished call leaves one record on each side
 * (direction, why it ended, connected time), served newest first by `GET /calls/history`, bounded
 * and checked, behind the lock like every route, and still there after a lock and unlock.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

interface Record { stream_id: string; peer: string; direction: string; reason: string; duration_ms: number; started_at: number; ended_at: number }

describe('calls: history of finished calls (two hosts)', function () {
  this.timeout(120_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;
  const key = (h: TestHost) => h.persona!.key;
  const calls = (h: TestHost, friend: TestHost, action: string, body: object = {}) => h.request<any>('POST', `/sessions/${key(friend)}/calls/${action}`, body);
  const history = (h: TestHost, friend: TestHost, query = '') => h.request<{ calls: Record[] }>('GET', `/calls/history?peer=${key(friend)}${query}`).then((r) => r.calls);
  const ended = (h: TestHost, sid: string) => h.events.waitFor<{ stream_id: string }>('calls:ended', (e) => e.stream_id === sid, 30_000);

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => net?.close());

  it('records an answered call with its duration and a declined one on both sides, newest first', async () => {
    const { stream_id: first } = await calls(alice, bob, 'start');
    await bob.events.waitFor('calls:offered', (e: { stream_id: string }) => e.stream_id === first, 20_000);
    await calls(bob, alice, 'accept', { stream_id: first });
    await alice.events.waitFor('calls:accepted', (e: { stream_id: string }) => e.stream_id === first, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // a call that lasts over a second
    const bobEnded = ended(bob, first);
    await calls(alice, bob, 'hangup');
    await bobEnded;

    const { stream_id: second } = await calls(alice, bob, 'start');
    await bob.events.waitFor('calls:offered', (e: { stream_id: string }) => e.stream_id === second, 20_000);
    const aliceEnded = ended(alice, second);
    await calls(bob, alice, 'reject', { stream_id: second });
    await aliceEnded;

    const atAlice = await eventually('both calls recorded at Alice', async () => {
      const list = await history(alice, bob);
      return list.length === 2 ? list : undefined;
    });
    expect(atAlice.map((r) => r.stream_id)).to.deep.equal([second, first]);
    expect(atAlice[0]).to.include({ direction: 'outgoing', reason: 'rejected', duration_ms: 0, peer: key(bob) });
    expect(atAlice[1]).to.include({ direction: 'outgoing', reason: 'hangup', peer: key(bob) });
    expect(atAlice[1]!.duration_ms).to.be.within(1_000, 30_000);

    const atBob = await eventually('both calls recorded at Bob', async () => {
      const list = await history(bob, alice);
      return list.length === 2 ? list : undefined;
    });
    expect(atBob[0]).to.include({ stream_id: second, direction: 'incoming', reason: 'rejected' });
    expect(atBob[1]).to.include({ stream_id: first, direction: 'incoming', reason: 'hangup' });
    expect(atBob[1]!.duration_ms).to.be.above(900);

    expect(await history(alice, bob, '&limit=1')).to.have.length(1);
  });

  it('refuses a missing peer and an out-of-range limit', async () => {
    for (const path of ['/calls/history', `/calls/history?peer=${key(bob)}&limit=0`, `/calls/history?peer=${key(bob)}&limit=101`, `/calls/history?peer=${key(bob)}&limit=x`, `/calls/history?peer=${'z'.repeat(200)}`]) {
      expect((await alice.call('GET', path)).status, path).to.equal(400);
    }
  });

  it('is behind the lock, and the records outlive a lock and unlock', async () => {
    const persona = alice.persona!;
    const bobKey = key(bob);
    await alice.lock();
    expect((await alice.call('GET', `/calls/history?peer=${bobKey}`)).status).to.equal(423);
    await alice.unlock(persona);
    expect(await history(alice, bob)).to.have.length(2);
  });
});
