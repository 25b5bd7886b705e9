/**
 * The cost of running a third-party extension in its own process (issue #21): the same extension,
 * `relay`, in two real hosts (child processes from @kith/sdk/testing, paired and connected
 * through a real rendezvous), once in the host's process (the path built-ins take) and once in
 * an extension host (the default for third-party extensions). Rows: a kind event's round trip
 * (ping → the friend's handler → pong → the sender's handler), bulk kind throughput (16 KiB
 * events until the friend's handler counted them all), and the media path: a 32 MiB streamed
 * upload into a blob and its readStream download through a route.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
import type { BenchRow, BenchSuite } from '../bench-row.js';

const PINGS = 200;
const BULK_EVENTS = 640;
const BULK_BYTES = 16 * 1024;
/** A streamed upload into a blob and its streamed download (the media path). */
const STREAM_BYTES = 32 * 1024 * 1024;

const RELAY = `
const waiting = new Map();
let received = 0;
export default { activate(ctx) {
  const stream = ctx.streams.random();
  ctx.kinds.register('relay.ping', (e) => ctx.sessions.send(e.peer, stream, 'relay.pong', { n: e.header.n }, undefined, { reliable: false }).then(() => undefined));
  ctx.kinds.register('relay.pong', (e) => { waiting.get(e.header.n)?.(); waiting.delete(e.header.n); });
  ctx.kinds.register('relay.bulk', (e) => { received += e.payload.length; });
  let n = 0;
  ctx.routes.post('/relay/ping/:peer', async (req) => {
    const id = n++;
    const pong = new Promise((resolve) => waiting.set(id, resolve));
    await ctx.sessions.send(req.params.peer, stream, 'relay.ping', { n: id }, undefined, { reliable: false });
    await pong;
    return { ok: true };
  });
  ctx.routes.post('/relay/bulk/:peer', async (req) => {
    const chunk = new Uint8Array(${BULK_BYTES}).fill(7);
    for (let i = 0; i < req.body.count; i++) await ctx.sessions.send(req.params.peer, stream, 'relay.bulk', {}, chunk, { priority: 'bulk' });
    return { sent: req.body.count };
  });
  ctx.routes.get('/relay/received', () => ({ received }));
  ctx.routes.post('/relay/blob', async (req) => {
    const id = await ctx.blobs.create();
    return { id, size: await ctx.blobs.append(id, req.body) };
  }, { body: 'stream', limit: ${STREAM_BYTES} });
  ctx.routes.get('/relay/blob/:id', async (req, res) => {
    res.length(await ctx.blobs.size(req.params.id));
    return ctx.blobs.readStream(req.params.id);
  });
} };
`;

interface Measured {
  readonly p50: number;
  readonly p99: number;
  readonly mbPerSecond: number;
  readonly uploadMbPerSecond: number;
  readonly downloadMbPerSecond: number;
}

/** A streamed route's upload into a blob and the blob's streamed download, in MB/s. */
async function streamedBlob(alice: TestHost): Promise<{ up: number; down: number }> {
  const body = new Uint8Array(STREAM_BYTES).fill(3);
  let start = performance.now();
  const put = await alice.fetch('/api/relay/blob', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  const { id, size } = (await put.json()) as { id: string; size: number };
  const up = STREAM_BYTES / 1e6 / ((performance.now() - start) / 1000);
  if (size !== STREAM_BYTES) throw new Error(`the streamed upload stored ${size} bytes`);
  start = performance.now();
  const got = await (await alice.fetch(`/api/relay/blob/${id}`)).arrayBuffer();
  const down = STREAM_BYTES / 1e6 / ((performance.now() - start) / 1000);
  if (got.byteLength !== STREAM_BYTES) throw new Error(`the streamed download gave ${got.byteLength} bytes`);
  return { up, down };
}

async function measure(isolation: 'process' | 'in-process', folder: string): Promise<Measured> {
  const net = await startTestNetwork({ hosts: 2, extensions: [folder], env: { KITH_EXTENSION_ISOLATION: isolation, KITH_ACTIVATE_TIMEOUT_MS: '30000' } });
  const [alice, bob] = net.hosts as [TestHost, TestHost];
  try {
    await net.befriend(alice, bob);
    await net.connect(alice, bob);
    const toBob = `/relay/ping/${bob.persona!.key}`;
    for (let i = 0; i < 20; i++) await alice.request('POST', toBob);
    const times: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const start = performance.now();
      await alice.request('POST', toBob);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const total = BULK_EVENTS * BULK_BYTES;
    const before = (await bob.request<{ received: number }>('GET', '/relay/received')).received;
    const start = performance.now();
    await alice.request('POST', `/relay/bulk/${bob.persona!.key}`, { count: BULK_EVENTS });
    while ((await bob.request<{ received: number }>('GET', '/relay/received')).received - before < total) {
      if (performance.now() - start > 120_000) throw new Error('bulk events did not all arrive');
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = (performance.now() - start) / 1000;
    const { up, down } = await streamedBlob(alice);
    return {
      p50: times[Math.floor(times.length / 2)]!,
      p99: times[Math.floor(times.length * 0.99)]!,
      mbPerSecond: total / 1e6 / seconds,
      uploadMbPerSecond: up,
      downloadMbPerSecond: down,
    };
  } finally {
    await net.close();
  }
}

const suite: BenchSuite = {
  name: 'extension-isolation',
  async run(): Promise<BenchRow[]> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-relay-'));
    const folder = path.join(work, 'relay');
    fs.mkdirSync(folder);
    const kith = {
      id: 'relay', displayName: 'Relay', hostVersion: '^1.0.0', main: 'main.mjs',
      kinds: ['relay.ping', 'relay.pong', 'relay.bulk'],
      contributes: { routes: ['POST /relay/ping/:peer', 'POST /relay/bulk/:peer', 'GET /relay/received', 'POST /relay/blob', 'GET /relay/blob/:id'] },
    };
    fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name: 'relay', version: '1.0.0', kith }));
    fs.writeFileSync(path.join(folder, 'main.mjs'), RELAY);
    try {
      const inProcess = await measure('in-process', folder);
      const isolated = await measure('process', folder);
      const round = (v: number) => Math.round(v * 100) / 100;
      const row = (metric: string, value: number, unit: string, baseline: number): BenchRow => ({
        area: 'extension-isolation', metric, value: round(value), unit, baseline: { name: 'same extension in the host process', value: round(baseline), unit },
      });
      return [
        row('kind event round trip p50 (own process)', isolated.p50, 'ms', inProcess.p50),
        row('kind event round trip p99 (own process)', isolated.p99, 'ms', inProcess.p99),
        row('bulk kind events, 16 KiB (own process)', isolated.mbPerSecond, 'MB/s', inProcess.mbPerSecond),
        row('streamed route upload into a blob, 32 MiB (own process)', isolated.uploadMbPerSecond, 'MB/s', inProcess.uploadMbPerSecond),
        row('blob readStream download, 32 MiB (own process)', isolated.downloadMbPerSecond, 'MB/s', inProcess.downloadMbPerSecond),
      ];
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};

export default suite;
