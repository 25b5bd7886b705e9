/**
 * A sender whose disk is full still sends what it had queued. Marking a queued row "in flight"
 * and returning it to pending when a session ends are writes; a full disk refuses both, and a
 * receiver's "my disk is full" notice (queued while there was room) must not wait for room to go
 * out. Real SQLite on a small tmpfs, its log cut to nothing so that every write has to grow it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { InboundEvent, KindRegistry, Sessions, Streams } from '@kith/sdk';
import { busProviders } from '../../src/bus/bus-providers.js';
import { needs } from '../../../test/support/needs.js';
import { mountSmallDisk, type SmallDisk } from '../../../test/support/small-disk.js';
import { createTestPeer, type TestPeer } from './support/test-peer.js';
import { linkPair, until, type LinkPair } from './support/link-pair.js';

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

describe('bus: a sender on a full disk sends what it had queued', function () {
  this.timeout(60_000);
  needs('tmpfs');
  let disk: SmallDisk;
  let a: TestPeer;
  let b: TestPeer;
  let pair: LinkPair | undefined;
  const filler = () => path.join(disk.dir, 'filler');

  beforeEach(async () => {
    disk = mountSmallDisk('kith-bus-full', 16);
    a = await createTestPeer({ dataDir: path.join(disk.dir, 'a') });
    b = await createTestPeer();
  });
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
    await Promise.allSettled([a.close(), b.close()]);
    disk.remove();
  });

  function contextOf(peer: TestPeer) {
    const scope = peer.scope('chat', ['chat.text']);
    const providers = busProviders(peer.engine, () => undefined);
    return { kinds: providers.kinds!(scope) as KindRegistry, sessions: providers.sessions!(scope) as Sessions, streams: providers.streams!(scope) as Streams };
  }

  /** Cut A's log to nothing, then fill the disk to the last byte: A's next write fails. */
  function fillDisk(): void {
    a.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler()}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
    } catch {
      // "No space left on device": what this step wants
    }
    expect(() => a.database.sqlite.prepare(`UPDATE bus_outbound SET enqueued_at = enqueued_at + 1`).run()).to.throw().with.property('code', 'SQLITE_FULL');
  }
  const rowStates = () => (a.database.sqlite.prepare('SELECT state FROM bus_outbound').pluck().all() as string[]);

  it('sends a queued event whose in-flight mark the disk refuses, once, and deletes it after room returns', async () => {
    const sender = contextOf(a);
    const receiver = contextOf(b);
    const got: InboundEvent[] = [];
    receiver.kinds.register('chat.text', (event) => void got.push(event));
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm1', sentAt: 1 }, text('my disk is full'));
    fillDisk();

    pair = await linkPair(a, b);
    await until(() => got.length === 1, 10_000, 'delivery from the full disk');
    expect(untext(got[0]!.payload)).to.equal('my disk is full');
    // Neither marked in flight nor deleted after the ack: the disk refused both, and the row waits,
    // counted, and is not taken again while this session lasts (each take would send it again).
    const takes: number[] = [];
    const { store } = a.engine;
    const takePending = store.takePending.bind(store);
    store.takePending = (...args: Parameters<typeof takePending>) => {
      const rows = takePending(...args);
      takes.push(...rows.map((r) => r.id));
      return rows;
    };
    await new Promise((r) => setTimeout(r, 1000));
    store.takePending = takePending;
    expect(rowStates()).to.deep.equal(['pending']);
    expect(takes, 'rows taken again in the same session').to.deep.equal([]);
    expect(b.engine.channel(a.keys.masterPublicKey)!.stats.duplicates, 'duplicates at the receiver').to.be.at.most(2);
    expect(store.count(a.keys.masterPublicKey, b.keys.masterPublicKey), 'rows counted as waiting').to.equal(1);

    // Room again, a new session: the row goes once more, the receiver knows it, and it is deleted.
    fs.rmSync(filler());
    await pair.close();
    pair = await linkPair(a, b);
    await until(() => rowStates().length === 0, 10_000, 'the row deleted after the second ack');
    expect(got).to.have.length(1);
  });

  it('sends 600 queued events from a full disk once each, in order, and keeps them all queued and counted', async () => {
    const sender = contextOf(a);
    const receiver = contextOf(b);
    const got: string[] = [];
    receiver.kinds.register('chat.text', (event) => void got.push(untext(event.payload)));
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    const sent = Array.from({ length: 600 }, (_, i) => `event ${i}`);
    for (const [i, body] of sent.entries()) await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: `m${i}`, sentAt: i }, text(body));
    fillDisk();

    const { store } = a.engine;
    const takes: number[] = [];
    const takePending = store.takePending.bind(store);
    store.takePending = (...args: Parameters<typeof takePending>) => {
      const rows = takePending(...args);
      takes.push(...rows.map((r) => r.id));
      return rows;
    };
    pair = await linkPair(a, b);
    await until(() => got.length === sent.length, 20_000, 'every event delivered');
    await new Promise((r) => setTimeout(r, 500));
    expect(got).to.deep.equal(sent);
    expect(takes).to.have.length(sent.length);
    expect(new Set(takes).size).to.equal(sent.length);
    expect(rowStates()).to.have.length(sent.length);
    expect(store.count(a.keys.masterPublicKey, b.keys.masterPublicKey)).to.equal(sent.length);
  });

  it('sends a row left marked by an ended session whose revert the disk refused', async () => {
    const sender = contextOf(a);
    const receiver = contextOf(b);
    const got: InboundEvent[] = [];
    receiver.kinds.register('chat.text', (event) => void got.push(event));
    // A session that then loses everything: the row is marked in flight (there is room) and never answered.
    pair = await linkPair(a, b, { impairments: { loss: 0, duplicate: 0, reorder: 0, reorderMs: 0, delayMs: [0, 0], seed: 1 } });
    const stream = sender.streams.forFriend(b.keys.masterPublicKey, 'chat');
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm1', sentAt: 1 }, text('while the path works'));
    await until(() => got.length === 1 && rowStates().length === 0, 10_000, 'the first event delivered');
    pair.relay!.impair({ loss: 1 });
    await sender.sessions.send(b.keys.masterPublicKey, stream, 'chat.text', { id: 'm2', sentAt: 2 }, text('after a lost session'));
    await until(() => rowStates()[0] === 'inflight', 10_000, 'the row marked in flight');

    fillDisk();
    await pair.close(); // the revert to pending is refused: the row stays marked
    await new Promise((r) => setTimeout(r, 100));
    expect(rowStates()).to.deep.equal(['inflight']);

    pair = await linkPair(a, b);
    await until(() => got.length === 2, 10_000, 'delivery of the row the ended session left marked');
    expect(untext(got[1]!.payload)).to.equal('after a lost session');
  });
});
