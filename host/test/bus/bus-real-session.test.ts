/**
 * The bus over the net layer's real encrypted sessions (Noise KK over UDP) between two real hosts,
 * paired by code through a real rendezvous server: a third-party kind registered mid-session (the
 * capabilities update maps it), an event fragmented to fit the session's datagrams, and a bulk
 * stream delivered in order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { InboundEvent, KindRegistry, Sessions } from '@kith/sdk';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer, type RunningRendezvous } from '../../../rendezvous/src/server/server.js';
import { buildInstallableHello } from '../../../sdk/examples/hello/test/support/build-installable.js';
import { pairAndConnect, startWavePeer, type WavePeer } from '../extensions/harness/wave-peer.js';
import { busProviders } from '../../src/bus/bus-providers.js';
import { makeScope } from './support/test-peer.js';
import { until } from './support/link-pair.js';

describe('bus: over real encrypted sessions between two hosts', function () {
  this.timeout(120_000);
  let work: string;
  let rendezvous: RunningRendezvous;
  let alice: WavePeer;
  let bob: WavePeer;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bus-real-'));
    rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
    const hello = buildInstallableHello(work);
    [alice, bob] = await Promise.all([startWavePeer('Alice', hello), startWavePeer('Bob', hello)]);
    await pairAndConnect(alice, bob, rendezvous.url);
  });
  after(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await rendezvous?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const contextOf = (peer: WavePeer) => {
    const { bus, identity } = peer.t.host.areas;
    const scope = makeScope(identity.gate.active!, 'bustest', ['bustest.blob', 'bustest.bulk'], { builtin: false });
    const providers = busProviders(bus.engine, () => peer.t.host.areas.net.links);
    return { scope, kinds: providers.kinds!(scope) as KindRegistry, sessions: providers.sessions!(scope) as Sessions };
  };

  it('maps a kind registered mid-session, fragments a 30 KB event, and streams 4000 bulk chunks in order', async () => {
    const sender = contextOf(alice);
    const receiver = contextOf(bob);
    const link = alice.t.host.areas.net.links.get(bob.key)!;
    expect(link, 'a live net session').to.not.equal(undefined);
    const blobs: InboundEvent[] = [];
    const chunks: number[] = [];
    receiver.kinds.register('bustest.blob', (e) => {
      blobs.push(e);
    });
    receiver.kinds.register('bustest.bulk', (e) => {
      chunks.push(e.header.i as number);
    });
    // Bob's capabilities update (rev+1) reaches Alice and maps the new names.
    await until(() => alice.t.host.areas.bus.engine.channel(bob.key)?.peerCapabilities?.kinds['bustest.blob'] !== undefined, 10_000, 'capabilities update');
    expect(sender.sessions.get(bob.key)!.path).to.be.a('string');

    const body = new Uint8Array(30_000).map((_, i) => i % 251);
    const receipt = await sender.sessions.send(bob.key, 'ab'.repeat(16), 'bustest.blob', { name: 'x' }, body);
    expect(receipt.queued).to.equal(false);
    await until(() => blobs.length === 1, 10_000, 'the fragmented event');
    expect(Buffer.compare(Buffer.from(blobs[0]!.payload), Buffer.from(body))).to.equal(0);
    expect(Math.ceil(body.length / 1201)).to.be.greaterThan(1); // fragmented at the base size (a probed path may carry it whole)

    const started = performance.now();
    const chunk = new Uint8Array(1100);
    for (let i = 0; i < 4000; i++) await sender.sessions.send(bob.key, 'cd'.repeat(16), 'bustest.bulk', { i }, chunk, { priority: 'bulk' });
    await until(() => chunks.length === 4000, 30_000, '4000 bulk chunks');
    const seconds = (performance.now() - started) / 1000;
    expect(chunks).to.deep.equal([...Array(4000).keys()]);
    console.log(`      (real session: 4.4 MB of bulk chunks in ${seconds.toFixed(2)} s = ${(4.4 / seconds).toFixed(1)} MB/s)`);
    expect(sender.scope.faults).to.deep.equal([]);
    expect(receiver.scope.faults).to.deep.equal([]);
  });
});
