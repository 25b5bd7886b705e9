import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BUILTIN_KINDS, EventEmitter, KIND_ACK, KIND_NACK } from '@kith/sdk';
import type { SessionLink } from '../../src/core/session-link.js';
import { decodeEventFrame, encodeEventFrame, FLAG_WANTS_ACK } from '../../src/bus/wire/event-frame.js';
import { decodeHeader, encodeHeader } from '../../src/bus/wire/header-cbor.js';
import { createTestPeer, randomPersonaKeys, type TestPeer } from './support/test-peer.js';
import { until } from './support/link-pair.js';

/** A link that records what the bus sends and lets the test play the peer's datagrams. */
function recordingLink(peer: string) {
  const received = new EventEmitter<Uint8Array>();
  const sent: Array<{ kind: number; header: Record<string, unknown> }> = [];
  const link: SessionLink = {
    peer, peerId: peer.slice(0, 16), path: 'loopback', remote: { address: '127.0.0.1', port: 9, family: 'ipv4' }, openedAt: Date.now(),
    maxPayload: 1201, onDidReceive: received.event, onDidClose: new EventEmitter<string>().event, close() {},
    send(head, tail) {
      const frame = decodeEventFrame(tail ? Buffer.concat([head, tail]) : head);
      sent.push({ kind: frame.kind, header: { ...decodeHeader(frame.header) } });
    },
  };
  return { link, sent, play: (datagram: Uint8Array) => received.fire(datagram) };
}

describe('bus: refusals survive a receiver restart', function () {
  this.timeout(30_000);
  const keys = randomPersonaKeys();
  const peer = randomBytes(32).toString('hex');
  let dir: string;
  let receiver: TestPeer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-refusals-'));
  });
  afterEach(async () => {
    await receiver?.close(false);
    receiver = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('repeats a refusal to a sender that retransmits after the restart, instead of acknowledging it as delivered', async () => {
    const stream = randomBytes(16);
    // A durable chat.text event; the receiver has no chat handler, so it refuses it (kind-disabled).
    const event = encodeEventFrame({ stream, seq: 1, kind: BUILTIN_KINDS['chat.text'], flags: FLAG_WANTS_ACK, header: encodeHeader({ text: 'hi' }), payload: new Uint8Array(0) });

    receiver = await createTestPeer({ keys, dataDir: dir });
    const before = recordingLink(peer);
    receiver.engine.attach(before.link);
    before.play(event);
    await until(() => before.sent.some((d) => d.kind === KIND_NACK), 5_000, 'the first NACK');
    expect(before.sent.find((d) => d.kind === KIND_NACK)!.header).to.deep.include({ seqs: [1], reason: 'kind-disabled' });
    const stored = receiver.database.sqlite.prepare('SELECT seq, reason FROM bus_in_refusals').all();
    expect(stored).to.deep.equal([{ seq: 1, reason: 'kind-disabled' }]);

    // The NACK is lost; the receiver restarts; the sender retransmits the same event.
    await receiver.close(false);
    receiver = await createTestPeer({ keys, dataDir: dir });
    const after = recordingLink(peer);
    receiver.engine.attach(after.link);
    after.play(event);
    await until(() => after.sent.some((d) => d.kind === KIND_NACK) && after.sent.some((d) => d.kind === KIND_ACK), 5_000, 'NACK and ACK');
    expect(after.sent.find((d) => d.kind === KIND_NACK)!.header).to.deep.include({ seqs: [1], reason: 'kind-disabled' });
    // The cumulative ACK covers seq 1 but names it refused, so the sender cannot report it delivered.
    expect(after.sent.find((d) => d.kind === KIND_ACK)!.header).to.deep.equal({ upTo: 1, refused: [[1, 'kind-disabled']] });
  });

  it('keeps at most 64 refusals per stream', async () => {
    receiver = await createTestPeer({ keys, dataDir: dir });
    const { link, play } = recordingLink(peer);
    receiver.engine.attach(link);
    const stream = randomBytes(16);
    for (let seq = 1; seq <= 70; seq++) {
      play(encodeEventFrame({ stream, seq, kind: BUILTIN_KINDS['chat.text'], flags: FLAG_WANTS_ACK, header: encodeHeader({ seq }), payload: new Uint8Array(0) }));
    }
    const rows = () => receiver!.database.sqlite.prepare('SELECT seq FROM bus_in_refusals ORDER BY seq').all() as Array<{ seq: number }>;
    await until(() => rows().at(-1)?.seq === 70, 5_000, 'all 70 refused');
    expect(rows().map((r) => r.seq)).to.deep.equal([...Array(64).keys()].map((i) => i + 7));
  });
});
