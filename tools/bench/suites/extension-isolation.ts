/**
 * The cost of running a third-party extension in its own process (issue #21): the same extension,
 * `relay`, in two real hosts (child processes from @kith/sdk/testing, paired and connected
 * through a real rendezvous), once in the host's process (the path built-ins take) and once in
 * an extension host (`KITH_EXTENSION_ISOLATION=process`). Rows: a kind event's round trip
 * (ping → the friend's handler → pong → the sender's handler) and bulk kind throughput (16 KiB
 * events until the friend's handler counted them all).
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
} };
`;

async function measure(isolation: 'process' | 'in-process', folder: string): Promise<{ p50: number; p99: number; mbPerSecond: number }> {
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
    return { p50: times[Math.floor(times.length / 2)]!, p99: times[Math.floor(times.length * 0.99)]!, mbPerSecond: total / 1e6 / seconds };
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
      contributes: { routes: ['POST /relay/ping/:peer', 'POST /relay/bulk/:peer', 'GET /relay/received'] },
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
      ];
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};

export default suite;
