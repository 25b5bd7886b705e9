import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { BUILT_EXECUTABLE, ensurePackage, makeSandbox, sandboxEnv, type Sandbox } from '../../package/sandbox.js';

const RUNS = 5;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

/** Poll `url` until it answers 200; ms since `startedAt`. */
async function untilOk(url: string, startedAt: bigint, child: ChildProcess): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before answering ${url}`);
    if ((await getStatus(url)) === 200) return Number(process.hrtime.bigint() - startedAt) / 1e6;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Resident set size of `pid` in MB (Linux /proc; `ps` elsewhere). */
function rssMb(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (fs.existsSync(status)) {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(status, 'utf8'))?.[1]);
    return kb / 1024;
  }
  throw new Error('RSS needs /proc (Linux)');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system) `pid` has used so far, in ms (Linux /proc): robust to a busy machine. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Start {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rssMb?: number;
}

/** Start a program on a free port, time it to its first 200, optionally idle 2 s and read its RSS. */
async function measureStart(
  command: string,
  args: string[],
  path: string,
  sandbox: Sandbox,
  withRss: boolean,
  env: Record<string, string> = {},
): Promise<Start> {
  const port = await freePort();
  const startedAt = process.hrtime.bigint();
  const child = spawn(command, args, {
    cwd: sandbox.dir,
    env: sandboxEnv(sandbox, { KITH_PORT: String(port), PORT: String(port), ...env }),
    stdio: 'ignore',
  });
  try {
    const ms = await untilOk(`http://127.0.0.1:${port}${path}`, startedAt, child);
    const cpu = cpuMs(child.pid!);
    if (!withRss) return { ms, cpuMs: cpu };
    await new Promise((r) => setTimeout(r, 2000));
    return { ms, cpuMs: cpu, rssMb: rssMb(child.pid!) };
  } finally {
    await stop(child);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const BARE_SERVER = "require('http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT,'127.0.0.1')";

/**
 * The single executable: its size, how fast it answers after launch, what it holds idle. On a busy
 * shared machine wall times measure the run queue; `chrt -f 10 npm run bench -- --only package`
 * (root) stands in for an idle one. The CPU-time rows hold either way.
 */
const suite: BenchSuite = {
  name: 'package',
  async run() {
    ensurePackage();
    const bare = (sandbox: Sandbox, withRss: boolean) => measureStart(process.execPath, ['-e', BARE_SERVER], '/', sandbox, withRss);
    const kith = (sandbox: Sandbox, withRss: boolean, env: Record<string, string> = {}) =>
      measureStart(sandbox.executable, [], '/api/health', sandbox, withRss, env);

    const sandbox = makeSandbox();
    try {
      // First runs: a new data dir and an empty cache each time, the same executable file (a fresh
      // 100 MB copy per run would measure the disk writing the copy back, not Kith).
      const firstRuns: Start[] = [];
      for (let i = 0; i < RUNS; i++) {
        const fresh = fs.mkdtempSync(`${sandbox.tmp}/first-`);
        fs.mkdirSync(`${fresh}/tmp`);
        firstRuns.push(await kith(sandbox, false, { KITH_DATA: `${fresh}/data`, TMPDIR: `${fresh}/tmp` }));
      }
      await kith(sandbox, false); // warm the data dir and the cache
      const kithRuns: Start[] = [];
      const bareRuns: Start[] = [];
      for (let i = 0; i < RUNS; i++) {
        kithRuns.push(await kith(sandbox, i === 0));
        bareRuns.push(await bare(sandbox, i === 0));
      }
      const baseline = { name: 'node -e http server', unit: 'ms' };
      const rows: BenchRow[] = [
        {
          area: 'package',
          metric: 'executable size',
          value: fs.statSync(BUILT_EXECUTABLE).size / 2 ** 20,
          unit: 'MiB',
          baseline: { name: 'node binary', value: fs.statSync(process.execPath).size / 2 ** 20, unit: 'MiB' },
        },
        {
          area: 'package',
          metric: `cold start to first 200, first run: new data dir, empty cache (median of ${RUNS})`,
          value: median(firstRuns.map((r) => r.ms)),
          unit: 'ms',
          baseline: { ...baseline, value: median(bareRuns.map((r) => r.ms)) },
          goal: '< 300 ms',
        },
        {
          area: 'package',
          metric: `cold start to first 200, later runs (median of ${RUNS})`,
          value: median(kithRuns.map((r) => r.ms)),
          unit: 'ms',
          baseline: { ...baseline, value: median(bareRuns.map((r) => r.ms)) },
          goal: '< 300 ms',
        },
        {
          area: 'package',
          metric: `CPU time used by the first 200, first run (median of ${RUNS})`,
          value: median(firstRuns.map((r) => r.cpuMs)),
          unit: 'ms',
          baseline: { name: 'node -e http server', value: median(bareRuns.map((r) => r.cpuMs)), unit: 'ms' },
        },
        {
          area: 'package',
          metric: `CPU time used by the first 200, later runs (median of ${RUNS})`,
          value: median(kithRuns.map((r) => r.cpuMs)),
          unit: 'ms',
          baseline: { name: 'node -e http server', value: median(bareRuns.map((r) => r.cpuMs)), unit: 'ms' },
        },
        {
          area: 'package',
          metric: 'idle memory (RSS 2 s after start, locked)',
          value: kithRuns[0]!.rssMb!,
          unit: 'MiB',
          baseline: { name: 'bare node http server', value: bareRuns[0]!.rssMb!, unit: 'MiB' },
        },
      ];
      return rows;
    } finally {
      sandbox.remove();
    }
  },
};
export default suite;
