/**
 * Removing a friend ends what they can do at once: their open session closes on both sides, and
 * nothing they send on it before it closes is taken (a message, say). Before, the session stayed
 * open and the ex-friend kept delivering messages, files and calls to someone who had removed
 * them. Two real hosts (the Kith program) and a rendezvous on loopback.
 */
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('e2e: a removed friend can no longer reach you (real hosts)', function () {
  this.timeout(180_000);
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    net = await startTestNetwork({ hosts: 2 });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => net?.close());

  const sessionWith = async (host: TestHost, other: TestHost) =>
    (await host.request<{ sessions: { peer: string }[] }>('GET', '/sessions')).sessions.some((s) => s.peer === other.persona!.key);

  it('closes the session on both sides and takes nothing the ex-friend sends meanwhile', async () => {
    const before = await bob.request('POST', `/sessions/${alice.persona!.key}/messages`, { body: 'while friends' });
    await eventually('the first message delivered', async () => {
      const history = await alice.request<{ messages: { body: string }[] }>('GET', `/sessions/${bob.persona!.key}/messages`);
      return history.messages.some((m) => m.body === 'while friends');
    });
    expect(before.id).to.be.a('string');

    const bobAtAlice = (await alice.request<{ id: number; master_pubkey: string }[]>('GET', '/friends')).find((f) => f.master_pubkey === bob.persona!.key)!;
    expect(await alice.request('DELETE', `/friends/${bobAtAlice.id}`)).to.deep.equal({ removing: false });
    // Bob does not know yet, and his session is still open: he sends at once, and again.
    const after = await bob.request('POST', `/sessions/${alice.persona!.key}/messages`, { body: 'after removal' });
    await sleep(300);
    await bob.call('POST', `/sessions/${alice.persona!.key}/messages`, { body: 'after removal, again' });

    await eventually('no session at Alice', async () => !(await sessionWith(alice, bob)), 10_000);
    await eventually('no session at Bob', async () => !(await sessionWith(bob, alice)), 10_000);
    // Nothing of Bob's after the removal reached Alice: her page heard of no such message (it
    // hears of every message stored), and her conversation with him still ends with the first.
    expect(JSON.stringify(alice.events.received)).to.contain('while friends').and.not.to.contain('after removal');
    const conversations = await alice.request<{ peer: string; last?: { body?: string } }[]>('GET', '/conversations');
    expect(JSON.stringify(conversations)).not.to.contain('after removal');
    const sent = await bob.request<{ messages: { id: string; state: string }[] }>('GET', `/sessions/${alice.persona!.key}/messages`);
    expect(sent.messages.find((m) => m.id === after.id)?.state).not.to.equal('delivered');
  });

  it('refuses a new session from the ex-friend', async () => {
    const { udp_port } = await alice.request<{ udp_port: number }>('GET', '/diagnostics/net');
    const answer = await bob.call('POST', '/connect', { ipv4: `127.0.0.1:${udp_port}`, rendezvous_url: net.rendezvous.url });
    expect(answer.status).to.not.equal(200);
    expect(await sessionWith(alice, bob)).to.equal(false);
  });
});
