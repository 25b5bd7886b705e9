import os from 'node:os';
import type { Network } from '@kith/sdk';
import type { NetcheckReport } from './check-item.js';
import { probeFamily } from './family-probe.js';
import { measureRendezvous } from './rendezvous-clock.js';
import { resolveServers } from './stun-servers.js';
import { judgeVerdict } from './verdict.js';

/** What one network check needs. */
export interface NetcheckInput {
  readonly network: Network;
  /** `host:port` STUN servers (checked by `configuredServers`). */
  readonly stunServers: readonly string[];
  readonly rendezvousUrl?: string;
}

/**
 * The network check (Tailscale netcheck's questions, for Kith's ladder): both families and the
 * rendezvous clock probed in parallel, each on sockets of their own; done in about 3 s, never
 * more than 5 s (DNS 1 s, first STUN round 1.5 s, second round 1.2 s).
 */
export async function runNetcheck(input: NetcheckInput): Promise<NetcheckReport> {
  const startedAt = Date.now();
  const began = performance.now();
  const local = localAddresses();
  const [families, rendezvous] = await Promise.all([
    resolveServers(input.stunServers).then(({ endpoints, errors }) => Promise.all([
      probeFamily(input.network, 'ipv4', endpoints, local, errors),
      probeFamily(input.network, 'ipv6', endpoints, local, errors),
    ])),
    measureRendezvous(input.rendezvousUrl),
  ]);
  const [ipv4, ipv6] = families;
  return { startedAt, durationMs: Math.round(performance.now() - began), verdict: judgeVerdict(ipv4, ipv6), ipv4, ipv6, rendezvous };
}

/** This machine's interface addresses: a STUN-mapped address among them means no NAT. */
function localAddresses(): Set<string> {
  const set = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(a.address.toLowerCase());
  return set;
}
