import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type dgram from 'node:dgram';
import { expect } from 'chai';
import type { DeliveryReport, KindRegistry, NackReport, Sessions } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { createTestPeer, randomPersonaKeys, type TestPeer } from './support/test-peer.js';
import { UdpLink, bindUdp } from './support/udp-link.js';
import { until } from './support/link-pair.js';
import { startChildPeer, type ChildPeer } from './support/child-peer.js';

describe('bus: kill -9 (each peer a process with its own SQLite file)', function () {
  this.timeout(120_000);
  let local: TestPeer;
  let socket: dgram.Socket;
  let childDir: string;
  let link: UdpLink | undefined;
  const children: ChildPeer[] = [];

  beforeEach(async () => {
    local = await createTestPeer();
    socket = await bindUdp();
    childDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bus-child-'));
  });
  afterEach(async () => {
    link?.close();
    link = undefined;
    for (const child of children.splice(0)) await child.kill();
    await new Promise<void>((r) => socket.close(() => r()));
    await local.close();
    fs.rmSync(childDir, { recursive: true, force: true });
  });

  const connect = (child: ChildPeer, childKey: string) => {
    link?.close('closed-by-peer');
    link = new UdpLink({ socket, remotePort: child.port, peer: childKey });
    local.engine.attach(link);
    child.send({ op: 'link', remotePort: socket.address().port });
  };

  it('sender killed with a full queue: after a restart everything arrives, exactly once, in order', async () => {
    const scope = local.scope('chat', ['chat.text']);
    const kinds = busProviders(local.engine, () => undefined).kinds!(scope) as KindRegistry;
    const got: number[] = [];
    kinds.register('chat.text', async (event) => {
      await new Promise((r) => setImmediate(r));
      got.push(event.header.n as number);
    });
    const childKeys = randomPersonaKeys();
    const stream = 'c0'.repeat(16);
    let sender = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey });
    children.push(sender);
    sender.send({ op: 'send', stream, from: 0, count: 300 });
    await sender.next('sent');
    connect(sender, childKeys.masterPublicKey);
    await until(() => got.length >= 40, 20_000, 'the first deliveries');
    await sender.kill();
    link!.close('closed-by-peer');
    const before = got.length;
    expect(before).to.be.lessThan(300);

    sender = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey });
    children.push(sender);
    sender.send({ op: 'queue' });
    const queued = (await sender.next('queue')).count as number;
    expect(queued).to.be.greaterThan(300 - before - 1); // nothing was lost: every unacknowledged row is still there
    connect(sender, childKeys.masterPublicKey);
    await until(() => got.length >= 300, 30_000, 'all 300 events');
    expect(got).to.deep.equal([...Array(300).keys()]);
    // The restarted sender learned of every delivery and emptied its queue; its seqs continued.
    // (Reports are at-least-once: one the killed run had not finished handling comes again.)
    const reported = () => new Set(sender.messages.filter((m) => m.op === 'delivered').map((m) => m.seq as number));
    await until(() => [...Array(queued).keys()].every((i) => reported().has(300 - i)), 10_000, 'delivery reports');
    sender.send({ op: 'queue' });
    expect((await sender.next('queue')).count).to.equal(0);
    sender.send({ op: 'send', stream, from: 300, count: 1 });
    await until(() => sender.messages.some((m) => m.op === 'delivered' && m.seq === 301), 5000, 'seq 301 after the restart');
    expect(got).to.deep.equal([...Array(301).keys()]);
  });

  it('sender killed while its extension handles a delivery report: the report comes again after the restart', async () => {
    const scope = local.scope('chat', ['chat.text']);
    const kinds = busProviders(local.engine, () => undefined).kinds!(scope) as KindRegistry;
    const got: number[] = [];
    kinds.register('chat.text', (event) => void got.push(event.header.n as number));
    const childKeys = randomPersonaKeys();
    const stream = 'e0'.repeat(16);
    let sender = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey, die: 'in-report:10' });
    children.push(sender);
    sender.send({ op: 'send', stream, from: 0, count: 20 });
    await sender.next('sent');
    connect(sender, childKeys.masterPublicKey);
    expect(await sender.exited).to.equal('SIGKILL');
    link!.close('closed-by-peer');
    expect(got).to.include(9); // the ACK for seq 10 was taken (its queue row deleted) before the kill

    sender = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey });
    children.push(sender);
    connect(sender, childKeys.masterPublicKey);
    await until(() => got.length >= 20, 20_000, 'all 20 events');
    const reported = () => new Set(sender.messages.filter((m) => m.op === 'delivered').map((m) => m.seq as number));
    // Seq 10 is no longer queued anywhere: only the stored report can say it was delivered.
    await until(() => reported().has(10), 10_000, 'the replayed report of seq 10');
    await until(() => [...Array(10).keys()].every((i) => reported().has(11 + i)), 10_000, 'reports of 11-20');
    expect(got).to.deep.equal([...Array(20).keys()]);
  });

  it('receiver killed between receive and persist, and between persist and ACK: redelivered, never lost, never doubled', async () => {
    const scope = local.scope('chat', ['chat.text']);
    const sessions = busProviders(local.engine, () => undefined).sessions!(scope) as Sessions;
    const delivered: DeliveryReport[] = [];
    const nacks: NackReport[] = [];
    sessions.onDidDeliver((r) => delivered.push(r));
    sessions.onDidNack((r) => nacks.push(r));
    const childKeys = randomPersonaKeys();
    const stream = 'd0'.repeat(16);
    for (let n = 0; n < 60; n++) await sessions.send(childKeys.masterPublicKey, stream, 'chat.text', { n }, new Uint8Array(32));

    // Run 1: dies inside the handler of seq 20, before it persisted anything.
    let receiver = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey, die: 'in-handler:20' });
    children.push(receiver);
    connect(receiver, childKeys.masterPublicKey);
    expect(await receiver.exited).to.equal('SIGKILL');
    link!.close('closed-by-peer');
    expect(receiver.messages.filter((m) => m.op === 'got').map((m) => m.seq)).to.deep.equal([...Array(19).keys()].map((i) => i + 1));

    // Run 2: dies right after persisting seq 40 (handler done, high-water mark written), before its ACK.
    receiver = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey, die: 'after-persist:40' });
    children.push(receiver);
    connect(receiver, childKeys.masterPublicKey);
    expect(await receiver.exited).to.equal('SIGKILL');
    link!.close('closed-by-peer');
    expect(receiver.messages.filter((m) => m.op === 'got').map((m) => m.seq)).to.deep.equal([...Array(21).keys()].map((i) => i + 20));
    expect(delivered.every((d) => d.seq < 40)).to.equal(true);

    // Run 3: clean. 40 is a duplicate now (answered with an ACK, not delivered again); 41-60 arrive.
    receiver = await startChildPeer({ dataDir: childDir, keys: childKeys, peer: local.keys.masterPublicKey });
    children.push(receiver);
    connect(receiver, childKeys.masterPublicKey);
    await until(() => delivered.length === 60, 30_000, '60 delivery reports');
    await until(() => receiver.messages.filter((m) => m.op === 'got').length >= 20, 5000, 'the IPC reports of run 3');
    expect(receiver.messages.filter((m) => m.op === 'got').map((m) => m.seq)).to.deep.equal([...Array(20).keys()].map((i) => i + 41));
    receiver.send({ op: 'rows' });
    const { rows } = await receiver.next('rows');
    expect(rows.map((r: any) => r.seq)).to.deep.equal([...Array(60).keys()].map((i) => i + 1));
    expect(rows.map((r: any) => r.n)).to.deep.equal([...Array(60).keys()]);
    expect(new Set(delivered.map((d) => d.seq)).size).to.equal(60);
    expect(nacks).to.deep.equal([]);
    expect(local.engine.store.count(local.keys.masterPublicKey, childKeys.masterPublicKey)).to.equal(0);
  });
});
