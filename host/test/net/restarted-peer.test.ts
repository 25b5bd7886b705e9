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
});
