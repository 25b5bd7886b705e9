/**
 * The files extension between two real host processes on loopback (@kith/sdk/testing): one file
 * uploaded into Alice's sealed vault, then moved to Bob sealed, every block verified, durably on
 * his disk (state `complete`). Baselines from the same run: raw Node UDP between two sockets (one
 * process, 1200-byte datagrams) and `cp` of the same file. Also: peak RSS of each host while the
 * transfer runs, and chat send → delivered p99 while it runs.
 * Size: KITH_BENCH_FILES_MIB (default 256 MiB on the shared 2-core machine; the 1 GiB with 1024).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
import type { BenchRow, BenchSuite } from '../bench-row.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.KITH_BENCH_FILES_MIB ?? 256) * MIB;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidOf(host: TestHost): number {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`KITH_DATA=${host.dataDir}`)) return Number(pid);
    } catch {
      // not readable
    }
  }
  throw new Error(`no process for ${host.name}`);
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function rawUdp(bytes: number): Promise<number> {
  const receiver = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  const sender = dgram.createSocket({ type: 'udp4', sendBufferSize: 8 << 20 });
  await Promise.all([receiver, sender].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
  let got = 0;
  let first = 0;
  let last = 0;
  receiver.on('message', (m) => {
    if (got === 0) first = performance.now();
    got += m.length;
    last = performance.now();
  });
  const datagram = Buffer.alloc(1200);
  const port = receiver.address().port;
  for (let sent = 0; sent < bytes; sent += 64 * 1200) {
    for (let i = 0; i < 64; i++) sender.send(datagram, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await sleep(200);
  receiver.close();
  sender.close();
  return got / 1e6 / ((last - first) / 1000);
}

const suite: BenchSuite = {
  name: 'files',
  async run(): Promise<BenchRow[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-files-'));
    const file = path.join(dir, 'payload.bin');
    const out = fs.openSync(file, 'w', 0o600);
    for (let at = 0; at < SIZE; at += 16 * MIB) fs.writeSync(out, randomBytes(Math.min(16 * MIB, SIZE - at)));
    fs.closeSync(out);
    let started = performance.now();
    execFileSync('cp', [file, path.join(dir, 'copy.bin')]);
    execFileSync('sync', [path.join(dir, 'copy.bin')]);
    const cpRate = SIZE / 1e6 / ((performance.now() - started) / 1000);
    fs.rmSync(path.join(dir, 'copy.bin'));
    const raw = await rawUdp(Math.min(SIZE, 256 * MIB));

    const net = await startTestNetwork({ hosts: 2 });
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    try {
      await net.befriend(alice, bob);
      await net.connect(alice, bob);
      const peer = bob.persona!.key;
      const begun = await alice.request('POST', `/sessions/${peer}/files/begin`, { name: 'bench.bin', size: SIZE });
      const id = begun.transfer_id as string;
      started = performance.now();
      const res = await alice.fetch(`/api/sessions/${peer}/files/${id}/chunk?idx=0`, {
        method: 'POST', body: fs.createReadStream(file) as unknown as BodyInit, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half',
      } as RequestInit);
      if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
      const uploadRate = SIZE / 1e6 / ((performance.now() - started) / 1000);

      const [alicePid, bobPid] = [pidOf(alice), pidOf(bob)];
      const idle = { alice: rssMiB(alicePid), bob: rssMiB(bobPid) };
      const peak = { ...idle };
      let moving = true;
      const sampler = (async () => {
        while (moving) {
          peak.alice = Math.max(peak.alice, rssMiB(alicePid));
          peak.bob = Math.max(peak.bob, rssMiB(bobPid));
          await sleep(100);
        }
      })();
      started = performance.now();
      await alice.request('POST', `/sessions/${peer}/files/${id}/commit`);
      // Chat while the file moves: send → delivered, one message at a time.
      const latencies: number[] = [];
      const chat = (async () => {
        while (moving && latencies.length < 200) {
          const t0 = performance.now();
          const m = await alice.request('POST', `/sessions/${peer}/messages`, { body: `ping ${latencies.length}` });
          await alice.events.waitFor<{ message?: { id: string; state: string } }>('chat:message-updated', (e) => e?.message?.id === m.id && e.message?.state !== 'queued' && e.message?.state !== 'sent', 30_000);
          latencies.push(performance.now() - t0);
          await sleep(50);
        }
      })();
      for (;;) {
        const t = await bob.request('GET', `/files/${id}`);
        if (t.state === 'complete') break;
        if (performance.now() - started > 1_800_000) throw new Error('transfer did not finish in 30 min');
        await sleep(50);
      }
      const seconds = (performance.now() - started) / 1000;
      moving = false;
      await Promise.all([sampler, chat.catch(() => undefined)]);
      const rate = SIZE / 1e6 / seconds;
      latencies.sort((a, b) => a - b);
      const p99 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))]! : NaN;
      const mib = SIZE / MIB;
      return [
        { area: 'files', metric: `${mib} MiB file peer to peer over loopback, sealed, verified, durable on the receiver (${Math.round((100 * rate) / raw)}% of raw UDP)`, value: rate, unit: 'MB/s', baseline: { name: 'raw Node UDP loopback, two sockets in one process (1200-byte datagrams)', value: raw, unit: 'MB/s' }, goal: '≥ 100 MB/s and ≥ 40% of raw' },
        { area: 'files', metric: `${mib} MiB file peer to peer (as above) against cp`, value: rate, unit: 'MB/s', baseline: { name: 'cp of the file + sync', value: cpRate, unit: 'MB/s' } },
        { area: 'files', metric: `${mib} MiB upload into the sender's sealed vault (one streamed body, hashed on the way)`, value: uploadRate, unit: 'MB/s', baseline: { name: 'cp of the file + sync', value: cpRate, unit: 'MB/s' } },
        { area: 'files', metric: `peak RSS of the sender host during a ${mib} MiB transfer`, value: peak.alice, unit: 'MiB', baseline: { name: 'the same host before the transfer', value: idle.alice, unit: 'MiB' }, goal: '< 200 MiB (2 GiB file)' },
        { area: 'files', metric: `peak RSS of the receiver host during a ${mib} MiB transfer`, value: peak.bob, unit: 'MiB', baseline: { name: 'the same host before the transfer', value: idle.bob, unit: 'MiB' }, goal: '< 200 MiB (2 GiB file)' },
        { area: 'files', metric: `chat send → delivered p99 while the transfer runs (${latencies.length} messages)`, value: p99, unit: 'ms', goal: 'p99 < 20 ms' },
      ];
    } finally {
      await net.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
