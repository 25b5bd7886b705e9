import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { startTestHost } from '../../../sdk/src/testing/index.js';
import type { BenchRow, BenchSuite } from '../bench-row.js';
import { startStunServer } from '../../netlab/stun-server.js';
import { labAvailable } from '../../netlab/lab-shell.js';
import { startLab } from '../../netlab/lab-fixture.js';

const DIAGNOSTICS = new URL('../../../extensions/diagnostics', import.meta.url).pathname;

const RUNS = 7;

/** Median of `samples`. */
const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

/** One STUN Binding round trip from a fresh socket, ms (the unit the check is made of). */
async function stunRoundTrip(address: string, port: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, r));
  const request = Buffer.concat([Buffer.from('000100002112a442', 'hex'), randomBytes(12)]);
  try {
    const began = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the STUN server did not answer')), 2_000);
      socket.once('message', () => { clearTimeout(timer); resolve(); });
      socket.send(request, port, address);
    });
    return performance.now() - began;
  } finally {
    socket.close();
  }
}

/**
 * The diagnostics extension's full network check (both families, mapping from two server
 * addresses, RFC 5780 filtering, hairpin, rendezvous clock), through its route on a real host,
 * against coturn on two loopback addresses; beside one STUN round trip to the same server.
 */
const suite: BenchSuite = {
  name: 'diagnostics',
  async run(): Promise<BenchRow[]> {
    const stun = await startStunServer({ addresses: ['127.0.0.1', '127.0.0.2'] });
    const host = await startTestHost({ builtin: true, env: { KITH_STUN: `127.0.0.1:${stun.port},127.0.0.2:${stun.port}` } });
    try {
      await host.createPersona('Bench');
      const checks: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const began = performance.now();
        const report = await host.request<{ ipv4: { udp: { state: string } } }>('GET', '/diagnostics/netcheck');
        checks.push(performance.now() - began);
        if (report.ipv4.udp.state !== 'yes') throw new Error('the network check did not reach the STUN server');
      }
      const trips: number[] = [];
      for (let i = 0; i < 21; i++) trips.push(await stunRoundTrip('127.0.0.1', stun.port));
      return [...await labRows(), {
        area: 'diagnostics',
        metric: 'full network check (GET /api/diagnostics/netcheck, median of 7, loopback coturn)',
        value: median(checks),
        unit: 'ms',
        baseline: { name: 'one STUN round trip', value: median(trips), unit: 'ms' },
        goal: '< 5 s',
      }];
    } finally {
      await host.close();
      await stun.stop();
    }
  },
};
/**
 * Behind the NAT lab's cone NAT the filtering probes are dropped, so the check waits out their
 * 1.2 s timeout: the realistic figure. Skipped (no row) where the lab cannot run.
 */
async function labRows(): Promise<BenchRow[]> {
  if (!labAvailable().ok) return [];
  const fx = await startLab(['a'], { extensions: [DIAGNOSTICS] });
  try {
    const proc = fx.peers.a!.proc;
    const checks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const began = performance.now();
      const answer = await proc.api('GET', '/api/diagnostics/netcheck');
      checks.push(performance.now() - began);
      if (answer.status !== 200 || answer.body.ipv4.mapping.behaviour !== 'endpoint-independent') throw new Error('the lab check went wrong');
    }
    const rtt = await proc.call<number>('udpRtt', { address: fx.lab.rdv.ipv4, port: fx.stunPort });
    return [{
      area: 'diagnostics',
      metric: 'full network check behind the lab\'s cone NAT (median of 3; filtering probes time out)',
      value: median(checks),
      unit: 'ms',
      baseline: { name: 'one STUN round trip through the NAT', value: rtt, unit: 'ms' },
      goal: '< 5 s',
    }];
  } finally {
    await fx.teardown();
  }
}

export default suite;
