// Parked mode (issue #17), in the namespace NAT lab (skipped without root and the lab's tools):
// - window open → session open for a parked friend behind an IPv6 stateful firewall and behind a
//   cone IPv4 NAT (the reaching side starts at the derived instant; no rendezvous request);
// - the idle cost of a parked peer with 20 parked friends over 10 minutes (KITH_BENCH_PARKED_IDLE_S
//   shortens it), one 5 s window per friend per minute: 30 times the default rate of one per 30
//   minutes, so the windows are many more than a real parked peer would open): host CPU time,
//   timer wake-ups and requests at the rendezvous host, beside the same peer in Auto mode (the page
//   polling its room every 2.5 s), measured in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { execFileSync } from 'node:child_process';
import { labAvailable } from '../../netlab/lab-shell.js';
import { befriend, punchAt, startLab, type LabFixture, type LabPeer } from '../../netlab/lab-fixture.js';
import { countRendezvousRequests } from '../../netlab/rendezvous-request-counter.js';

const PARKED = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../extensions/parked');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IDLE_MS = Math.max(10, Number(process.env.KITH_BENCH_PARKED_IDLE_S ?? 600) || 600) * 1000;
const FRIENDS = 20;
const POLL_MS = 2_500;

async function set(p: LabPeer, values: Record<string, unknown>): Promise<void> {
  for (const [id, value] of Object.entries(values)) await p.proc.api('PUT', `/api/extensions/parked/settings/${id}`, { value });
}
const status = async (p: LabPeer) => (await p.proc.api('GET', '/api/connect/parked/status')).body;

/** CPU seconds (user + system) of the processes in namespace `ns`: the lab's Kith host only. */
function cpuSeconds(ns: string): number {
  let total = 0;
  for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    try {
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 Hz).
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

async function meetOnce(fx: LabFixture, x: LabPeer, y: LabPeer, family: 'ipv4' | 'ipv6'): Promise<void> {
  const discover = async (p: LabPeer) => (await p.proc.api('GET', '/api/discovery')).body;
  const [dx, dy] = await Promise.all([discover(x), discover(y)]);
  const at = punchAt();
  const url = family === 'ipv6' ? fx.rendezvousUrl6 : fx.rendezvousUrl;
  await Promise.all([
    x.proc.api('POST', '/api/connect', { peer: y.peer, rendezvous_url: url, punch_at_ms: at, [family]: dy[family] }),
    y.proc.api('POST', '/api/connect', { peer: x.peer, rendezvous_url: url, punch_at_ms: at, [family]: dx[family] }),
  ]);
  for (let i = 0; i < 50; i++) {
    const known = (await status(x)).friends.find((f: { master_pubkey: string }) => f.master_pubkey === y.peer)?.last_known?.[family];
    if (known) break;
    await sleep(200);
  }
  await x.proc.api('DELETE', `/api/sessions/${y.peerId}`);
  await sleep(500);
  fx.lab.flushConntrack();
}

async function windowToSession(): Promise<BenchRow[]> {
  const fx = await startLab(['a', 'b', 'v1', 'v2'], { extensions: [PARKED] });
  try {
    const rows: BenchRow[] = [];
    const short = { 'parked.period-ms': 20_000, 'parked.window-ms': 4_000, 'parked.skew-ms': 2_000 };
    for (const [alice, bob, family, where] of [
      [fx.peers.v1!, fx.peers.v2!, 'ipv6', 'IPv6, two stateful firewalls'],
      [fx.peers.a!, fx.peers.b!, 'ipv4', 'IPv4, two cone NATs'],
    ] as const) {
      await befriend(alice, bob);
      await meetOnce(fx, alice, bob, family);
      await Promise.all([set(alice, short), set(bob, { ...short, 'parked.on': true })]);
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const answer = await alice.proc.api('POST', '/api/connect/parked', { master_pubkey: bob.peer, wait_ms: 60_000 });
        if (answer.status !== 200) throw new Error(`parked reach failed: ${JSON.stringify(answer.body)}`);
        samples.push(answer.body.window_to_session_ms);
        await alice.proc.api('DELETE', `/api/sessions/${bob.peerId}`);
        // One sample per window: wait out this one (and its skew margin), then forget every flow.
        await sleep(Math.max(0, answer.body.window.end_ms + short['parked.skew-ms'] + 500 - Date.now()));
        fx.lab.flushConntrack();
      }
      rows.push({
        area: 'parked', metric: `window open → session open, ${where} (median of 3, lab)`, value: samples.sort((x, y) => x - y)[1]!, unit: 'ms',
        goal: '< 1 s',
      });
    }
    return rows;
  } finally {
    await fx.teardown();
  }
}

async function idleCost(): Promise<BenchRow[]> {
  const fx = await startLab(['pub'], { extensions: [PARKED] });
  const requests = countRendezvousRequests(fx.lab.rdv.ns);
  try {
    const host = fx.peers.pub!;
    for (let i = 0; i < FRIENDS; i++) {
      const peer = Buffer.from(ed25519.getPublicKey(randomBytes(32))).toString('hex');
      const x = Buffer.from(x25519.getPublicKey(randomBytes(32))).toString('hex');
      await host.proc.call('befriend', { card: { peer, peerId: randomBytes(8).toString('hex'), label: `friend ${i}`, x25519PublicKey: x } });
    }
    const ns = fx.lab.hosts.pub.ns;

    // Auto: the page joins a room and polls it every 2.5 s.
    const word = `bench-${randomBytes(4).toString('hex')}`;
    await host.proc.api('POST', '/api/rendezvous/join', { url: fx.signallingUrl, word, mode: 'auto' });
    requests.reset();
    let cpu = cpuSeconds(ns);
    let polls = 0;
    const autoEnd = Date.now() + IDLE_MS;
    while (Date.now() < autoEnd) {
      await host.proc.api('POST', '/api/rendezvous/poll', { url: fx.signallingUrl, word });
      polls++;
      await sleep(POLL_MS);
    }
    const auto = { cpu: cpuSeconds(ns) - cpu, wakeups: polls, requests: requests.read() };
    await host.proc.api('POST', '/api/rendezvous/leave', { url: fx.signallingUrl, word });

    // Parked: nobody polls; each friend's window wakes the host once a minute.
    await set(host, { 'parked.period-ms': 60_000, 'parked.window-ms': 5_000, 'parked.skew-ms': 2_500, 'parked.on': true });
    await sleep(1_000);
    const before = (await status(host)).counters;
    requests.reset();
    cpu = cpuSeconds(ns);
    await sleep(IDLE_MS);
    const after = (await status(host)).counters;
    const parked = { cpu: cpuSeconds(ns) - cpu, wakeups: after.wakeups - before.wakeups, requests: requests.read() };
    const label = `${FRIENDS} parked friends, ${IDLE_MS >= 120_000 ? `${IDLE_MS / 60_000} min` : `${IDLE_MS / 1000} s`}, one 5 s window per friend per minute`;
    return [
      { area: 'parked', metric: `idle CPU time, ${label}`, value: parked.cpu * 1000, unit: 'ms', baseline: { name: 'Auto (poll every 2.5 s)', value: auto.cpu * 1000, unit: 'ms' } },
      { area: 'parked', metric: `idle timer wake-ups, ${label}`, value: parked.wakeups, unit: '', baseline: { name: 'Auto polls', value: auto.wakeups, unit: '' } },
      { area: 'parked', metric: `idle requests at the rendezvous host (TCP data segments), ${label}`, value: parked.requests, unit: '', baseline: { name: 'Auto', value: auto.requests, unit: '' } },
    ];
  } finally {
    await fx.teardown();
  }
}

const suite: BenchSuite = {
  name: 'parked',
  async run(): Promise<BenchRow[]> {
    if (!labAvailable().ok) return [];
    return [...(await windowToSession()), ...(await idleCost())];
  },
};
export default suite;
