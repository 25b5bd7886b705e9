/**
 * A friend killed with -9 and restarted asks for a new session while this side still holds the old
 * one (its idle timeout has not run out yet): the connect must not stop at "already open" on this
 * side while every rung of the restarted side fails. Real programs through the SDK test kit.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

describe('net: reconnecting to a friend that was killed and restarted', function () {
  this.timeout(120_000);
  let net: TestNetwork;

  after(async () => net?.close());

  it('closes the silent leftover session and opens a new one on the first try, before the idle timeout', async () => {
    net = await startTestNetwork({ hosts: 2 });
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
    await bob.crash();
    await net.restart(bob);
    // Alice still holds the dead session; wait until it has missed a keepalive.
    await eventually('a silent leftover at Alice', async () => {
      const { sessions } = await alice.request<{ sessions: { peer: string; last_received_at: number }[] }>('GET', '/sessions');
      const left = sessions.find((s) => s.peer === bob.persona!.key);
      return left !== undefined && Date.now() - left.last_received_at > 7_000;
    }, 30_000);
    // Without closing the leftover, Bob's accept fails (504) long before Alice's 20 s idle timeout.
    await net.connect(alice, bob);
    const { sessions } = await alice.request<{ sessions: { peer: string; opened_at?: number }[] }>('GET', '/sessions');
    expect(sessions.filter((s) => s.peer === bob.persona!.key)).to.have.length(1);
  });

  it('reconnects at once after a kill -9 and restart, while the leftover is not silent yet: the signal itself says it is gone', async () => {
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    const before = (await alice.request<{ sessions: { peer: string; opened_at: number }[] }>('GET', '/sessions')).sessions.find((s) => s.peer === bob.persona!.key);
    expect(before, 'the session of the first test').to.not.equal(undefined);
    await bob.crash();
    await net.restart(bob);
    // No waiting: Alice heard from Bob's old process a moment ago. Bob's request (or accept)
    // means Bob holds no session; without acting on that, both sides fail here until Alice's
    // idle timeout, 20 s later.
    const started = Date.now();
    await net.connect(alice, bob);
    expect(Date.now() - started, 'connected on the first try').to.be.below(15_000);
    const { sessions } = await alice.request<{ sessions: { peer: string; opened_at: number }[] }>('GET', '/sessions');
    const now = sessions.filter((s) => s.peer === bob.persona!.key);
    expect(now).to.have.length(1);
    expect(now[0]!.opened_at).to.be.greaterThan(before!.opened_at);
    expect((await bob.request<{ sessions: unknown[] }>('GET', '/sessions')).sessions).to.have.length(1);
  });
});
