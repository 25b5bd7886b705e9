/**
 * The example's bus kind between two real hosts: a wave sent by Alice reaches Bob's `hello.wave`
 * handler over a real UDP session; with hello turned off on Bob's side his handler is gone and the
 * bus refuses the wave (NACK kind-disabled, reported to Alice's page); turned on again, waves land.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { buildInstallableHello } from '../../../sdk/examples/hello/test/support/build-installable.js';
import { eventually, pairAndConnect, startWavePeer, type WavePeer } from './harness/wave-peer.js';

describe('extensions: the hello.wave kind between two hosts', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: WavePeer;
  let bob: WavePeer;

  const wave = (text: string) => alice.ok('POST', `/hello/waves/${bob.key}`, { text });
  const bobsWaves = async () => ((await bob.ok('GET', '/hello/waves')).waves as Array<{ text: string; peer: string }>).map((w) => w.text);

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-hello-wave-'));
    const hello = buildInstallableHello(work);
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    [alice, bob] = await Promise.all([startWavePeer('Alice', hello), startWavePeer('Bob', hello)]);
    await pairAndConnect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('delivers a wave to the friend\'s handler, which stores it before the ACK', async () => {
    const sent = await wave('hi bob');
    expect(sent.eventId).to.be.a('string');
    await eventually('the wave in Bob\'s store', async () => (await bobsWaves()).includes('hi bob'));
    const [, delivered] = await eventually('the delivery report on Alice\'s page', () => alice.events.find(([n, p]) => n === 'hello:delivered' && p.eventId === sent.eventId));
    expect(delivered.peer).to.equal(bob.key);
    expect(bob.events.some(([n, p]) => n === 'hello:wave' && p.text === 'hi bob' && p.peer === alice.key)).to.equal(true);
  });

  it('with hello off on Bob\'s side, his handler is gone: the wave is refused with kind-disabled', async () => {
    const off = await bob.ok('POST', '/extensions/hello', { enabled: false });
    expect(off.registeredKinds).to.deep.equal([]);
    const sent = await wave('while off');
    const [, refused] = await eventually('a refusal on Alice\'s page', () => alice.events.find(([n, p]) => n === 'hello:refused' && p.eventId === sent.eventId));
    expect(refused.reason).to.equal('kind-disabled');
    await bob.ok('POST', '/extensions/hello', { enabled: true });
    expect(await bobsWaves()).to.not.include('while off');
  });

  it('turned on again, Bob receives waves without a restart', async () => {
    await wave('welcome back');
    await eventually('the wave after re-enabling', async () => (await bobsWaves()).includes('welcome back'));
  });
});
