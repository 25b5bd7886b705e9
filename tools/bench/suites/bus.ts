import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { KindRegistry, Sessions } from '@kith/sdk';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { busProviders } from '../../../host/src/bus/bus-providers.js';
import { createTestPeer, randomPersonaKeys, type TestPeer } from '../../../host/test/bus/support/test-peer.js';
import { linkPair, until } from '../../../host/test/bus/support/link-pair.js';
import { UdpLink, bindUdp } from '../../../host/test/bus/support/udp-link.js';
import { startChildPeer } from '../../../host/test/bus/support/child-peer.js';
import { makeScope } from '../../../host/test/bus/support/test-peer.js';
import { MemoryRoomStore } from '../../../rendezvous/src/server/memory-store.js';
import { startRendezvousServer } from '../../../rendezvous/src/server/server.js';
import { buildInstallableHello } from '../../../sdk/examples/hello/test/support/build-installable.js';
import { pairAndConnect, startWavePeer } from '../../../host/test/extensions/harness/wave-peer.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const SINK = path.resolve(here, '../../../host/test/bus/support/udp-sink.ts');
const ROUND_TRIPS = 2000;
/**
 * Payload bytes each bulk run measures: as much as the raw baseline moves (100,000 × 1200 bytes),
 * after {@link WARMUP_BYTES} that let the JIT and the window settle — a file transfer of hundreds of
 * megabytes runs in that steady state (the first second runs at about two thirds of it).
 */
const BULK_BYTES = 120_000_000;
const WARMUP_BYTES = 60_000_000;
/** One event per datagram (the chat-sized case). */
const CHUNK = 1100;
/** What a file transfer sends: each event is cut into 1200-byte datagrams (15 of them). */
const FILE_CHUNK = 16 * 1024;
/** Bulk throughput and its raw baseline are each measured this often, interleaved; medians are reported. */
const TRIALS = 5;

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
/** "x% of raw" for the medians, with the per-trial range. */
const percentOf = (values: number[], raws: number[]) => {
  const ratios = values.map((v, i) => (100 * v) / raws[i]!);
  return `${Math.round((100 * median(values)) / median(raws))}% of raw; trials ${Math.round(Math.min(...ratios))}–${Math.round(Math.max(...ratios))}%`;
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Raw UDP ping-pong between two sockets of this process: the floor for a round trip. */
async function rawPingPong(n: number): Promise<number[]> {
  const [a, b] = [await bindUdp(), await bindUdp()];
  b.on('message', (m) => b.send(m, a.address().port, '127.0.0.1'));
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      a.once('message', () => resolve());
      a.send(Buffer.alloc(100), b.address().port, '127.0.0.1');
    });
    samples.push(performance.now() - started);
  }
  a.close();
  b.close();
  return samples;
}

function contexts(a: TestPeer, b: TestPeer) {
  const kinds = ['chat.text', 'file.chunk'];
  const sa = a.scope('chat', kinds);
  const sb = b.scope('chat', kinds);
  const pa = busProviders(a.engine, () => undefined);
  const pb = busProviders(b.engine, () => undefined);
  return {
    sender: pa.sessions!(sa) as Sessions,
    receiverKinds: pb.kinds!(sb) as KindRegistry,
  };
}

/** Durable chat.text send → onDidDeliver (the peer persisted it and acknowledged), one at a time. */
async function busRoundTrips(sender: Sessions, peer: string, stream: string, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let eventId = '';
      const sub = sender.onDidDeliver((r) => {
        if (r.eventId !== eventId) return;
        sub.dispose();
        resolve();
      });
      sender.send(peer, stream, 'chat.text', { id: `m${i}`, sentAt: Date.now() }, randomBytes(120)).then((r) => (eventId = r.eventId), reject);
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

/** Raw Node UDP throughput: this process sends 1200-byte datagrams to a sink process. */
async function rawUdpThroughput(): Promise<number> {
  const count = 100_000;
  const warmup = 50_000;
  const child = fork(SINK, [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, KITH_SINK_EXPECT: String(count), KITH_SINK_WARMUP: String(warmup) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: any[] = [];
  child.on('message', (m) => messages.push(m));
  await until(() => messages.some((m) => m.op === 'ready'), 20_000, 'udp sink');
  const port = messages.find((m) => m.op === 'ready').port;
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const datagram = Buffer.alloc(1200);
  // The sink drops what it cannot take, so send until it reports (the warm-up may lose some).
  for (let sent = 0; sent < 4 * (warmup + count) && !messages.some((m) => m.op === 'done');) {
    for (let i = 0; i < 64; i++, sent++) socket.send(datagram, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await until(() => messages.some((m) => m.op === 'done'), 20_000, 'udp sink done');
  socket.close();
  const done = messages.find((m) => m.op === 'done');
  return done.bytes / 1e6 / (done.ms / 1000);
}

/** Bulk file.chunk events of `chunkBytes`, sealed datagrams, to a receiver process; MB/s of payload at the receiver. */
async function busBulkThroughput(local: TestPeer, chunkBytes: number): Promise<number> {
  const chunks = Math.round(BULK_BYTES / chunkBytes);
  const warmup = Math.round(WARMUP_BYTES / chunkBytes);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-bus-'));
  const sealKey = randomBytes(32);
  const childKeys = randomPersonaKeys();
  const child = await startChildPeer({
    dataDir: dir, keys: childKeys, peer: local.keys.masterPublicKey,
    env: { KITH_TEST_SEAL_KEY: sealKey.toString('hex'), KITH_TEST_CHUNKS: String(chunks), KITH_TEST_WARMUP_CHUNKS: String(warmup) },
  });
  const socket = await bindUdp();
  const link = new UdpLink({ socket, remotePort: child.port, peer: childKeys.masterPublicKey, sealKey });
  const scope = local.scope('files', ['file.chunk']);
  const sessions = busProviders(local.engine, () => undefined).sessions!(scope) as Sessions;
  local.engine.attach(link);
  child.send({ op: 'link', remotePort: socket.address().port });
  try {
    await until(() => sessions.get(childKeys.masterPublicKey) !== undefined, 10_000, 'bench session');
    const stream = 'b1'.repeat(16);
    const chunk = randomBytes(chunkBytes);
    for (let i = 0; i < warmup + chunks; i++) {
      await sessions.send(childKeys.masterPublicKey, stream, 'file.chunk', { index: i }, chunk, { priority: 'bulk' });
    }
    const done = await child.next('chunks', 60_000);
    return done.bytes / 1e6 / (done.ms / 1000);
  } finally {
    link.close();
    socket.close();
    await child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Bulk chunks between two real hosts in this process, over the net layer's real session
 * (Noise KK keys, ChaCha20-Poly1305 per datagram), paired through a real rendezvous server.
 */
async function realSessionBulk(): Promise<number> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-bus-real-'));
  const rendezvous = await startRendezvousServer({ store: new MemoryRoomStore({ sweepIntervalMs: 30_000 }), port: 0, host: '127.0.0.1' });
  const hello = buildInstallableHello(work);
  const [alice, bob] = await Promise.all([startWavePeer('Alice', hello), startWavePeer('Bob', hello)]);
  try {
    await pairAndConnect(alice, bob, rendezvous.url);
    const scopeOf = (peer: typeof alice) => makeScope(peer.t.host.areas.identity.gate.active!, 'benchbus', ['benchbus.chunk'], { builtin: false });
    const sender = busProviders(alice.t.host.areas.bus.engine, () => undefined).sessions!(scopeOf(alice)) as Sessions;
    const warmup = Math.round(WARMUP_BYTES / 2 / FILE_CHUNK);
    let bytes = 0;
    let count = 0;
    let first = 0;
    let last = 0;
    (busProviders(bob.t.host.areas.bus.engine, () => undefined).kinds!(scopeOf(bob)) as KindRegistry).register('benchbus.chunk', (e) => {
      last = performance.now();
      if (++count === warmup) first = last; // measured from the end of the warm-up
      else if (count > warmup) bytes += e.payload.length;
    });
    await until(() => alice.t.host.areas.bus.engine.channel(bob.key)?.peerCapabilities?.kinds['benchbus.chunk'] !== undefined, 10_000, 'capabilities');
    const chunk = randomBytes(FILE_CHUNK);
    const n = warmup + Math.round(BULK_BYTES / 2 / FILE_CHUNK);
    for (let i = 0; i < n; i++) await sender.send(bob.key, 'b3'.repeat(16), 'benchbus.chunk', { index: i }, chunk, { priority: 'bulk' });
    await until(() => count === n, 60_000, 'real-session chunks');
    return bytes / 1e6 / ((last - first) / 1000);
  } finally {
    await Promise.allSettled([alice.close(), bob.close()]);
    await rendezvous.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Raw UDP between two sockets of this process, 16 datagrams per event-loop turn (the bus's own burst). */
async function rawUdpInProcess(): Promise<number> {
  const [a, b] = [await bindUdp(), await bindUdp()];
  const count = 50_000;
  const warmup = 25_000; // not timed, as the bus runs get theirs
  let seen = 0;
  let got = 0;
  let first = 0;
  let last = 0;
  b.on('message', () => {
    last = performance.now();
    if (++seen === warmup) first = last;
    else if (seen > warmup) got++;
  });
  const datagram = Buffer.alloc(1200);
  for (let sent = 0; sent < warmup + count;) {
    for (let i = 0; i < 16 && sent < warmup + count; i++, sent++) a.send(datagram, b.address().port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await until(() => seen >= (warmup + count) * 0.99, 10_000, 'raw in-process datagrams').catch(() => undefined);
  a.close();
  b.close();
  return (got * 1200) / 1e6 / ((last - first) / 1000);
}

const suite: BenchSuite = {
  name: 'bus',
  async run() {
    const rows: BenchRow[] = [];
    const raw = await rawPingPong(ROUND_TRIPS);
    const a = await createTestPeer();
    const b = await createTestPeer();
    const { sender, receiverKinds } = contexts(a, b);
    receiverKinds.register('chat.text', () => undefined);
    let bulkSeen = 0;
    receiverKinds.register('file.chunk', () => {
      bulkSeen++;
    });
    const pair = await linkPair(a, b, { sealKey: randomBytes(32) });
    const peer = b.keys.masterPublicKey;
    try {
      await until(() => sender.get(peer) !== undefined, 10_000, 'session');
      const chatStream = 'c1'.repeat(16);
      await busRoundTrips(sender, peer, chatStream, 100); // warm-up
      const quiet = await busRoundTrips(sender, peer, chatStream, ROUND_TRIPS);
      const rawBaseline = { name: 'raw UDP ping-pong', unit: 'ms' };
      rows.push(
        { area: 'bus', metric: 'event round trip send → delivered p50 (sealed, persisted, acked)', value: percentile(quiet, 50), unit: 'ms', baseline: { ...rawBaseline, value: percentile(raw, 50) }, goal: 'p50 < 3 ms' },
        { area: 'bus', metric: 'event round trip send → delivered p99', value: percentile(quiet, 99), unit: 'ms', baseline: { ...rawBaseline, value: percentile(raw, 99) } },
      );

      // Chat while a bulk stream runs in the same session.
      let bulkRunning = true;
      const bulk = (async () => {
        const chunk = randomBytes(FILE_CHUNK);
        for (let i = 0; bulkRunning; i++) {
          await sender.send(peer, 'b2'.repeat(16), 'file.chunk', { index: i }, chunk, { priority: 'bulk' });
        }
      })();
      await until(() => bulkSeen > 200, 20_000, 'bulk running');
      const busy = await busRoundTrips(sender, peer, chatStream, 500);
      bulkRunning = false;
      await bulk;
      rows.push(
        {
          area: 'bus', metric: `chat event latency p50 while a bulk stream of 16 KiB events runs (${bulkSeen} events moved)`, value: percentile(busy, 50), unit: 'ms',
          baseline: { name: 'same, no bulk', value: percentile(quiet, 50), unit: 'ms' },
        },
        {
          area: 'bus', metric: 'chat event latency p99 while a bulk stream runs', value: percentile(busy, 99), unit: 'ms',
          baseline: { name: 'same, no bulk', value: percentile(quiet, 99), unit: 'ms' }, goal: 'p99 < 20 ms',
        },
      );
    } finally {
      await pair.close();
      await b.close();
    }
    try {
      // Interleaved trials: the baseline and the bus see the same machine conditions.
      const raws: number[] = [];
      const files: number[] = [];
      const chats: number[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        raws.push(await rawUdpThroughput());
        files.push(await busBulkThroughput(a, FILE_CHUNK));
        chats.push(await busBulkThroughput(a, CHUNK));
      }
      const baseline = { name: `raw Node UDP loopback (1200-byte datagrams), median of ${TRIALS}`, value: median(raws), unit: 'MB/s' };
      rows.push(
        {
          area: 'bus', metric: `bulk stream throughput, sealed end to end, 16 KiB events in 1200-byte datagrams, receiver process (median of ${TRIALS}; ${percentOf(files, raws)})`,
          value: median(files), unit: 'MB/s', baseline, goal: '≥ 40% of raw',
        },
        {
          area: 'bus', metric: `bulk stream throughput, sealed end to end, 1100-byte events (one per datagram), receiver process (median of ${TRIALS}; ${percentOf(chats, raws)})`,
          value: median(chats), unit: 'MB/s', baseline,
        },
      );
    } finally {
      await a.close();
    }
    try {
      const raw = await rawUdpInProcess();
      const real = await realSessionBulk();
      rows.push({
        area: 'bus', metric: 'bulk stream throughput over a real net session between two hosts in one process (16 KiB events)', value: real, unit: 'MB/s',
        baseline: { name: 'raw UDP between two sockets of one process', value: raw, unit: 'MB/s' }, goal: '≥ 40% of raw',
      });
    } catch (error) {
      process.stderr.write(`bench bus: real-session row skipped: ${(error as Error).message}\n`);
    }
    return rows;
  },
};
export default suite;
