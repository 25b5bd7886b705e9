/**
 * The example's bus kind between two real Kith programs, set up with `@kith/sdk/testing`: a wave
 * sent by Alice reaches Bob's `hello.wave` handler over a real UDP session; with hello turned off
 * on Bob's side his handler is gone and the bus refuses the wave (NACK kind-disabled, reported to
 * Alice's page); turned on again, waves land; after Bob restarts, his stored waves are still there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { buildInstallableHello } from './support/build-installable.js';

interface WaveReport {
  readonly peer: string;
  readonly eventId: string;
  readonly reason?: string;
}

describe('example extension "hello" between two hosts', function () {
  this.timeout(180_000);
  let work: string;
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;

  const wave = (text: string) => alice.request<{ eventId: string }>('POST', `/hello/waves/${bob.persona!.key}`, { text });
  const bobsWaves = async () => (await bob.request<{ waves: Array<{ text: string }> }>('GET', '/hello/waves')).waves.map((w) => w.text);

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hello-net-'));
    net = await startTestNetwork({ hosts: 2, extensions: [buildInstallableHello(work)] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
  });
  after(async () => {
    await net?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('delivers a wave to the friend\'s handler, which stores it before the ACK', async () => {
    const sent = await wave('hi bob');
    const delivered = await alice.events.waitFor<WaveReport>('hello:delivered', (r) => r.eventId === sent.eventId);
    expect(delivered.peer).to.equal(bob.persona!.key);
    expect(await bobsWaves()).to.include('hi bob');
    const seen = await bob.events.waitFor<{ peer: string; text: string }>('hello:wave', (w) => w.text === 'hi bob');
    expect(seen.peer).to.equal(alice.persona!.key);
  });

  it('with hello off on Bob\'s side, his handler is gone: the wave is refused with kind-disabled', async () => {
    const off = await bob.request('POST', '/extensions/hello', { enabled: false });
    expect(off.registeredKinds).to.deep.equal([]);
    const sent = await wave('while off');
    const refused = await alice.events.waitFor<WaveReport>('hello:refused', (r) => r.eventId === sent.eventId);
    expect(refused.reason).to.equal('kind-disabled');
    await bob.request('POST', '/extensions/hello', { enabled: true });
    expect(await bobsWaves()).to.not.include('while off');
  });

  it('turned on again, Bob receives waves without a restart', async () => {
    await wave('welcome back');
    await eventually('the wave after re-enabling', async () => (await bobsWaves()).includes('welcome back'));
  });

  it('after Bob restarts, his waves are still stored and a new session carries new ones', async () => {
    await net.restart(bob);
    expect(await bobsWaves()).to.include.members(['hi bob', 'welcome back']);
    await net.connect(alice, bob);
    await wave('after restart');
    await bob.events.waitFor<{ text: string }>('hello:wave', (w) => w.text === 'after restart');
  });
});
