import os from 'node:os';
import type { Endpoint } from '@kith/sdk';
import type { StunBinding, StunClient } from './stun-client.js';
import { endpointKey, isPrivateAddress } from './endpoint.js';

/**
 * How the NAT maps our socket, from two STUN servers (RFC 4787 terms): the same public endpoint
 * towards both → `endpoint-independent` (punchable); different → `endpoint-dependent` (symmetric,
 * punching fails); no NAT at all → `none`; fewer than two answers → `unknown`.
 */
export type NatMapping = 'none' | 'endpoint-independent' | 'endpoint-dependent' | 'unknown';

export interface DiscoveryResult {
  readonly ipv4: Endpoint | null;
  readonly ipv6: Endpoint | null;
  readonly natMapping: NatMapping;
  /** Every answer, for diagnostics. */
  readonly bindings: readonly { server: string; mapped: string; rttMs: number }[];
  readonly errors: readonly string[];
  readonly at: number;
}

/**
 * Query every server (both families) in parallel and summarise. Private mapped addresses are
 * dropped. `unresolved`: why some server names gave no server (listed first among the errors).
 */
export async function discoverEndpoints(
  client: StunClient,
  servers: readonly Endpoint[],
  family?: 'ipv4' | 'ipv6',
  unresolved: readonly string[] = [],
): Promise<DiscoveryResult> {
  const wanted = family ? servers.filter((s) => s.family === family) : servers;
  const results = await Promise.allSettled(wanted.map((server) => client.bind(server)));
  const bindings: StunBinding[] = [];
  const errors: string[] = [...unresolved];
  if (wanted.length === 0) errors.push(family ? `no ${family} STUN server to ask` : 'no STUN server to ask');
  for (const result of results) {
    if (result.status === 'fulfilled') bindings.push(result.value);
    else errors.push((result.reason as Error).message);
  }
  const v4 = bindings.filter((b) => b.mapped.family === 'ipv4' && !isPrivateAddress(b.mapped.address));
  const v6 = bindings.filter((b) => b.mapped.family === 'ipv6' && !isPrivateAddress(b.mapped.address));
  return {
    ipv4: fastest(v4),
    ipv6: fastest(v6),
    natMapping: classifyMapping(v4),
    bindings: bindings.map((b) => ({ server: endpointKey(b.server), mapped: endpointKey(b.mapped), rttMs: b.rttMs })),
    errors,
    at: Date.now(),
  };
}

/** Classify from answers of distinct servers (different server addresses). */
export function classifyMapping(bindings: readonly StunBinding[], localAddresses = localInterfaceAddresses()): NatMapping {
  const byServer = new Map<string, StunBinding>();
  for (const b of bindings) if (!byServer.has(b.server.address)) byServer.set(b.server.address, b);
  const distinct = [...byServer.values()];
  if (distinct.length === 0) return 'unknown';
  if (distinct.some((b) => localAddresses.has(b.mapped.address))) return 'none';
  if (distinct.length < 2) return 'unknown';
  const mapped = new Set(distinct.map((b) => endpointKey(b.mapped)));
  return mapped.size === 1 ? 'endpoint-independent' : 'endpoint-dependent';
}

function fastest(bindings: readonly StunBinding[]): Endpoint | null {
  if (bindings.length === 0) return null;
  return [...bindings].sort((a, b) => a.rttMs - b.rttMs)[0]!.mapped;
}

function localInterfaceAddresses(): Set<string> {
  const set = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) set.add(a.address.toLowerCase());
  return set;
}
