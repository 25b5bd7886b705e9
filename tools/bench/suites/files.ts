/**
 * The files extension between two real host processes on loopback (@kith/sdk/testing): one file
 * uploaded into Alice's sealed vault, then moved to Bob sealed, every block verified, durably on
 * his disk (state `complete`). Baselines from the same run, trials interleaved (raw UDP, cp,
 * transfer; again), medians reported: raw Node UDP between two sockets (one process, 1200-byte
 * datagrams) and `cp` of the same file. Chat send → delivered p99 while the transfers run, beside
 * the same chat with no transfer (measured before each trial, so both see the same load), and
 * beside chat between two more hosts that move no file (the machine's load alone), and beside the
 * same chat with no transfer under a load made by other programs (machine-load.ts). Then
 * one larger transfer with the peak RSS of each host sampled every 100 ms, on two hosts running the
 * packaged executable (`npm run package -- --if-stale`: what users run) and again on the checkout's
 * hosts (`node --import tsx`, as `npm start` runs it: tsx's compiled sources cost ~60 MiB more).
 * Sizes (the by default): KITH_BENCH_FILES_MB (1024; KITH_BENCH_FILES_MIB is read too),
 * KITH_BENCH_FILES_RSS_MB (2048; 0 skips the RSS transfer), KITH_BENCH_FILES_TRIALS (3).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestNetwork, type TestHost } from '@kith/sdk/testing';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { startMachineLoad } from '../machine-load.js';
import { percentile } from '../percentile.js';
import { executableName, ROOT } from '../../package/package-paths.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.KITH_BENCH_FILES_MB ?? process.env.KITH_BENCH_FILES_MIB ?? 1024) * MIB;
const RSS_SIZE = Number(process.env.KITH_BENCH_FILES_RSS_MB ?? 2048) * MIB;
const TRIALS = Math.max(1, Number(process.env.KITH_BENCH_FILES_TRIALS ?? 3));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execFileAsync = promisify(execFile);
const randomChunk = promisify(randomBytes);

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

/** Resident set of `pid` in MiB; 0 once it has gone. */
function rssMiB(pid: number): number {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
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

/*
 * The baselines and fixtures below never block the event loop: the hosts' HTTP connections stay
 * pooled between requests, and fetch drops an idle one at its keep-alive deadline (the server's
 * 5 s hint less 2 s) only if its timers run. A loop blocked for seconds (a synchronous 1 GiB cp +
 * sync) let the server close the socket first, and the next request went out on it: "fetch failed".
 */
async function writeRandomFile(file: string, size: number): Promise<void> {
  const out = await fs.promises.open(file, 'w', 0o600);
  try {
    for (let at = 0; at < size; at += 16 * MIB) await out.write(await randomChunk(Math.min(16 * MIB, size - at)));
    // On disk before any trial: its writeback must not run under the first one.
    await out.sync();
  } finally {
    await out.close();
  }
}

async function cpRate(file: string, size: number): Promise<number> {
  const copy = `${file}.copy`;
  const started = performance.now();
  await execFileAsync('cp', [file, copy]);
  await execFileAsync('sync', [copy]);
  const rate = size / 1e6 / ((performance.now() - started) / 1000);
  fs.rmSync(copy);
  return rate;
}

/** One chat message from Alice to `peer`: send → delivered (or refused/failed), in ms. */
async function chatOnce(alice: TestHost, peer: string, body: string): Promise<number> {
  const t0 = performance.now();
  const m = await alice.request('POST', `/sessions/${peer}/messages`, { body });
  await alice.events.waitFor<{ message?: { id: string; state: string } }>('chat:message-updated', (e) => e?.message?.id === m.id && e.message?.state !== 'queued' && e.message?.state !== 'sent', 30_000);
  return performance.now() - t0;
}

/**
 * The same chat with no transfer, on the same hosts just before a trial: what the machine's load
 * and chat's own path cost, so the row shows what the transfer adds.
 */
async function idleChat(alice: TestHost, bob: TestHost, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    latencies.push(await chatOnce(alice, bob.persona!.key, `idle ${i}`));
    await sleep(100);
  }
  return latencies;
}

interface TransferRun {
  rate: number;
  uploadRate: number;
  idle: { alice: number; bob: number };
  peak: { alice: number; bob: number };
  latencies: number[];
  /** Chat between the bystander hosts meanwhile (empty without them). */
  bystanderLatencies: number[];
}

/** Two more hosts that only chat: what the machine's load alone does to a message. */
type Bystanders = readonly [TestHost, TestHost];

/** Upload `file` into Alice's vault, commit, and wait until Bob has it complete; RSS sampled, chat pinged. */
async function transfer(alice: TestHost, bob: TestHost, file: string, size: number, name: string, bystanders?: Bystanders): Promise<TransferRun> {
  const peer = bob.persona!.key;
  const begun = await alice.request('POST', `/sessions/${peer}/files/begin`, { name, size });
  const id = begun.transfer_id as string;
  let started = performance.now();
  const res = await alice.fetch(`/api/sessions/${peer}/files/${id}/chunk?idx=0`, {
    method: 'POST', body: fs.createReadStream(file) as unknown as BodyInit, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half',
  } as RequestInit);
  if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
  const uploadRate = size / 1e6 / ((performance.now() - started) / 1000);

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
  // Chat while the file moves: send → delivered, one message at a time, every 100 ms; between
  // them, one between the bystanders (hosts that move no file), so both see the same load.
  const latencies: number[] = [];
  const bystanderLatencies: number[] = [];
  const chat = (async () => {
    while (moving && latencies.length < 500) {
      latencies.push(await chatOnce(alice, peer, `ping ${latencies.length}`));
      if (!bystanders) {
        await sleep(100);
        continue;
      }
      await sleep(50);
      if (!moving) break;
      bystanderLatencies.push(await chatOnce(bystanders[0], bystanders[1].persona!.key, `beside ${bystanderLatencies.length}`));
      await sleep(50);
    }
  })();
  for (;;) {
    // Bob knows the transfer once the offer has reached him: until then his answer is 404.
    const res = await bob.fetch(`/api/files/${id}`);
    if (!res.ok && res.status !== 404) throw new Error(`Bob: GET /api/files/${id} answered ${res.status}: ${await res.text()}`);
    const t = res.status === 404 ? undefined : ((await res.json()) as { state?: string });
    if (t?.state === 'complete') break;
    if (performance.now() - started > 3_600_000) throw new Error('transfer did not finish in 60 min');
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  moving = false;
  await Promise.all([sampler, chat.catch(() => undefined)]);
  // Free both disks for the next trial: the receiver's copy and the sender's record.
  await bob.call('DELETE', `/files/${id}`);
  await alice.call('DELETE', `/files/${id}`);
  return { rate: size / 1e6 / seconds, uploadRate, idle, peak, latencies, bystanderLatencies };
}

const p99 = (values: number[]) => percentile(values, 0.99);
const p50 = (values: number[]) => percentile(values, 0.5);
/** Idle chat messages per trial (the baseline of the chat row). */
const IDLE_CHAT_MESSAGES = 40;
/**
 * One transfer this size before the trials, not counted: a host's first transfer runs at 60–80 MB/s
 * for its first ~1.5 s while V8 compiles the path (later ones start at full speed, even over a new
 * session), which would make trial 1 measure the compiler.
 */
const WARM_UP_SIZE = Math.min(SIZE, 128 * MIB);

const fmt = (v: number) => v.toFixed(v < 10 ? 2 : 1);

/**
 * What a transfer loads this machine with, made by programs that are not Kith: two spinning
 * processes (both hosts keep ~0.75-0.9 core busy each at ~100 MB/s) and a 100 MB/s writer with
 * an fdatasync every 8 MiB (the receiver's appends).
 */
const FOREIGN_LOAD = { cpuProcesses: 2, diskMBps: 100 };

/** The idle chat again while {@link FOREIGN_LOAD} runs. */
async function chatUnderForeignLoad(alice: TestHost, bob: TestHost, dir: string): Promise<number[]> {
  const load = startMachineLoad({ ...FOREIGN_LOAD, dir });
  try {
    await sleep(500);
    return await idleChat(alice, bob, IDLE_CHAT_MESSAGES);
  } finally {
    await load.stop();
  }
}

/**
 * The packaged single executable (`npm run package -- --if-stale`), as users run Kith; undefined
 * (with the reason on stderr) when it cannot be built here.
 */
async function packagedExecutable(): Promise<string | undefined> {
  try {
    await execFileAsync('npm', ['run', '-s', 'package', '--', '--if-stale'], { cwd: ROOT, maxBuffer: 16 * MIB });
  } catch (error) {
    process.stderr.write(`bench: files: no packaged executable (${(error as Error).message.split('\n')[0]}); its RSS rows are left out\n`);
    return undefined;
  }
  const file = path.join(ROOT, 'dist', executableName());
  return fs.existsSync(file) ? file : undefined;
}

/**
 * Peak RSS of each side during one transfer of `file`: on `hosts` when given, else on two fresh
 * hosts running `executable` (no rows when it is missing).
 */
async function rssRows(file: string, how: string, executable: string | undefined, hosts?: [TestHost, TestHost]): Promise<BenchRow[]> {
  if (!hosts && !executable) return [];
  const net = hosts ? undefined : await startTestNetwork({ hosts: 2, command: [executable!] });
  try {
    const [alice, bob] = hosts ?? (net!.hosts as [TestHost, TestHost]);
    if (net) {
      await net.befriend(alice, bob);
      await net.connect(alice, bob);
    }
    const size = fs.statSync(file).size;
    const result = await transfer(alice, bob, file, size, `bench-rss-${hosts ? 'checkout' : 'exe'}.bin`);
    const mib = size / MIB;
    return [
      { area: 'files', metric: `peak RSS of the sender host (${how}) during a ${mib} MiB transfer (${fmt(result.rate)} MB/s)`, value: result.peak.alice, unit: 'MiB', baseline: { name: 'the same host before the transfer', value: result.idle.alice, unit: 'MiB' }, goal: '< 200 MiB (2 GiB file)' },
      { area: 'files', metric: `peak RSS of the receiver host (${how}) during a ${mib} MiB transfer`, value: result.peak.bob, unit: 'MiB', baseline: { name: 'the same host before the transfer', value: result.idle.bob, unit: 'MiB' }, goal: '< 200 MiB (2 GiB file)' },
    ];
  } finally {
    await net?.close();
  }
}

const suite: BenchSuite = {
  name: 'files',
  async run(): Promise<BenchRow[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-bench-files-'));
    const file = path.join(dir, 'payload.bin');
    await writeRandomFile(file, SIZE);
    const net = await startTestNetwork({ hosts: 2 });
    const [alice, bob] = net.hosts as [TestHost, TestHost];
    const bystanderNet = await startTestNetwork({ hosts: 2 });
    const bystanders = bystanderNet.hosts as [TestHost, TestHost];
    try {
      await net.befriend(alice, bob);
      await net.connect(alice, bob);
      await bystanderNet.befriend(...bystanders);
      await bystanderNet.connect(...bystanders);
      await idleChat(...bystanders, 20);
      const warmFile = path.join(dir, 'warm-up.bin');
      await writeRandomFile(warmFile, WARM_UP_SIZE);
      const warmUp = await transfer(alice, bob, warmFile, WARM_UP_SIZE, 'bench-warm-up.bin');
      fs.rmSync(warmFile);
      const raws: number[] = [];
      const cps: number[] = [];
      const runs: TransferRun[] = [];
      const idle: number[] = [];
      const foreign: number[] = [];
      for (let trial = 0; trial < TRIALS; trial++) {
        raws.push(await rawUdp(Math.min(SIZE, 256 * MIB)));
        cps.push(await cpRate(file, SIZE));
        idle.push(...(await idleChat(alice, bob, IDLE_CHAT_MESSAGES)));
        foreign.push(...(await chatUnderForeignLoad(alice, bob, dir)));
        runs.push(await transfer(alice, bob, file, SIZE, `bench-${trial}.bin`, bystanders));
        console.log(`      files trial ${trial + 1}/${TRIALS}: ${fmt(runs.at(-1)!.rate)} MB/s (raw UDP ${fmt(raws.at(-1)!)}, cp ${fmt(cps.at(-1)!)})`);
      }
      const rate = median(runs.map((r) => r.rate));
      const raw = median(raws);
      const cp = median(cps);
      const latencies = runs.flatMap((r) => r.latencies);
      const beside = runs.flatMap((r) => r.bystanderLatencies);
      const mib = SIZE / MIB;
      const rows: BenchRow[] = [
        { area: 'files', metric: `${mib} MiB file peer to peer over loopback, sealed, verified, durable on the receiver (median of ${TRIALS}, after a ${WARM_UP_SIZE / MIB} MiB warm-up transfer at ${fmt(warmUp.rate)} MB/s; ${Math.round((100 * rate) / raw)}% of raw UDP)`, value: rate, unit: 'MB/s', baseline: { name: `raw Node UDP loopback, two sockets in one process (1200-byte datagrams; median of ${TRIALS})`, value: raw, unit: 'MB/s' }, goal: '≥ 100 MB/s and ≥ 40% of raw' },
        { area: 'files', metric: `${mib} MiB file peer to peer (as above) against cp`, value: rate, unit: 'MB/s', baseline: { name: `cp of the file + sync (median of ${TRIALS})`, value: cp, unit: 'MB/s' } },
        { area: 'files', metric: `${mib} MiB upload into the sender's sealed vault (one streamed body, hashed on the way; median of ${TRIALS})`, value: median(runs.map((r) => r.uploadRate)), unit: 'MB/s', baseline: { name: 'cp of the file + sync', value: cp, unit: 'MB/s' } },
        {
          area: 'files', metric: `chat send → delivered p99 while the transfers run (${latencies.length} messages; p50 ${fmt(p50(latencies))} ms)`, value: p99(latencies), unit: 'ms',
          baseline: { name: `the same chat with no transfer, before each trial (${idle.length} messages; p50 ${fmt(p50(idle))} ms)`, value: p99(idle), unit: 'ms' }, goal: 'p99 < 20 ms',
        },
        {
          // What the machine's load alone costs a message: these two hosts move no file.
          area: 'files', metric: `chat send → delivered p99 between two other hosts that move no file, while the transfers run (${beside.length} messages, alternating with the row above; p50 ${fmt(p50(beside))} ms)`, value: p99(beside), unit: 'ms',
          baseline: { name: 'the transferring pair\'s chat, the row above', value: p99(latencies), unit: 'ms' },
        },
        {
          // The same load made by programs that are not Kith: what any program's chat would meet here.
          area: 'files', metric: `chat send → delivered p99 with no transfer, while two spinning processes and a 100 MB/s writer (fdatasync every 8 MiB) load the machine (${foreign.length} messages, before each trial; p50 ${fmt(p50(foreign))} ms)`, value: p99(foreign), unit: 'ms',
          baseline: { name: 'the transferring pair\'s chat while the transfers run', value: p99(latencies), unit: 'ms' },
        },
      ];
      fs.rmSync(file);
      if (RSS_SIZE > 0) {
        const big = path.join(dir, 'rss.bin');
        await writeRandomFile(big, RSS_SIZE);
        rows.push(...(await rssRows(big, 'the packaged executable', await packagedExecutable())));
        // The same from the checkout (`npm start`): tsx compiles the sources in the host process.
        rows.push(...(await rssRows(big, 'from the checkout under tsx', undefined, [alice, bob])));
      }
      return rows;
    } finally {
      await bystanderNet.close();
      await net.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default suite;
