/**
 * Timed session listeners in the real Kith program, driven only through `@kith/sdk/testing`:
 * two child-process hosts with the fixture extension installed as a user extension, paired
 * through the kit's rendezvous. Alice's host reaches Bob's listener; the session carries notes
 * both ways; Bob's extension reads the session's stats; garbage on the listener is only counted.
 * The fixture is a third-party extension, so it runs in its own process: the listener stays in
 * the host and the extension drives it through the proxy.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eventually, startTestNetwork, type TestHost, type TestNetwork } from '@kith/sdk/testing';
import { buildTimedListenerFixture } from './support/timed-listener-fixture.js';

describe('net: a timed listener in the real program (@kith/sdk/testing)', function () {
  this.timeout(180_000);
  let work: string;
  let net: TestNetwork;
  let alice: TestHost;
  let bob: TestHost;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-tl-program-'));
    net = await startTestNetwork({ hosts: 2, extensions: [await buildTimedListenerFixture(work)] });
    [alice, bob] = net.hosts as [TestHost, TestHost];
    await net.befriend(alice, bob);
  });
  after(async () => {
    await net?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a friend reaches the listener, notes flow over it, its stats say so, and garbage gets no answer', async () => {
    const listener = await bob.request<any>('POST', '/tl/listen', { windowMs: 60_000 });
    await alice.request('POST', '/connect', { peer: bob.persona!.key, ipv4: `127.0.0.1:${listener.local.port}` });
    const opened = await eventually('Bob\'s listener took the session', async () =>
      (await bob.request<any>('GET', `/tl/listeners/${listener.id}`)).opened[0]);
    expect(opened.peer).to.equal(alice.persona!.key);

    await alice.request('POST', `/tl/send/${bob.persona!.key}`, { text: 'hi over the listener' });
    await bob.request('POST', `/tl/send/${alice.persona!.key}`, { text: 'hi back' });
    await eventually('both notes', async () => {
      const [atBob, atAlice] = await Promise.all([bob.request<any>('GET', '/tl/notes'), alice.request<any>('GET', '/tl/notes')]);
      return atBob.notes.some((n: any) => n.text === 'hi over the listener') && atAlice.notes.some((n: any) => n.text === 'hi back');
    });
    const stats = (await bob.request<any>('GET', `/tl/diag/session/${alice.persona!.key}`)).session;
    expect(stats.socket).to.deep.include({ kind: 'listener', extension: 'tl' });
    expect(stats.traffic.bytesIn).to.be.greaterThan(0);
    expect(stats.traffic.bytesOut).to.be.greaterThan(0);

    const probe = dgram.createSocket('udp4');
    const answers: Buffer[] = [];
    probe.on('message', (data) => answers.push(data));
    await new Promise<void>((resolve) => probe.send(Buffer.from('not kith'), listener.local.port, '127.0.0.1', () => resolve()));
    const counters = await eventually('the garbage is counted', async () => {
      const c = (await bob.request<any>('GET', `/tl/listeners/${listener.id}`)).counters;
      return c.reasons['bad-magic'] === 1 ? c : undefined;
    });
    expect(counters.accepted).to.be.greaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answers).to.deep.equal([]);
    probe.close();
  });
});
