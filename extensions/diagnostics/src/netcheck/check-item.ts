/**
 * One answer of the network check. `unknown` always says why the probe could not decide: a check
 * that could not run must never read as a "no" (Tailscale netcheck #2993: a wrong `false`).
 */
export interface CheckItem {
  readonly state: 'yes' | 'no' | 'unknown';
  /** A short value shown beside the answer (an endpoint, a behaviour name). */
  readonly value?: string;
  /** Why: what was measured, or why it could not be. */
  readonly reason: string;
}

export const yes = (reason: string, value?: string): CheckItem => ({ state: 'yes', reason, ...(value ? { value } : {}) });
export const no = (reason: string, value?: string): CheckItem => ({ state: 'no', reason, ...(value ? { value } : {}) });
export const unknown = (reason: string): CheckItem => ({ state: 'unknown', reason });

/** RFC 4787 mapping behaviour, or no NAT at all. */
export type MappingBehaviour = 'no-nat' | 'endpoint-independent' | 'endpoint-dependent';
/** RFC 4787 filtering behaviour. */
export type FilteringBehaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** What the check learned about one address family. */
export interface FamilyReport {
  readonly family: 'ipv4' | 'ipv6';
  /** UDP reaches the STUN servers and their answers come back. */
  readonly udp: CheckItem;
  /** The public address and port the STUN servers saw (value). */
  readonly publicEndpoint: CheckItem;
  /** yes: the same public port towards every destination (endpoint-independent, or no NAT). */
  readonly mapping: CheckItem & { readonly behaviour?: MappingBehaviour };
  /** yes: packets from addresses this socket never sent to come in (endpoint-independent filtering). */
  readonly filtering: CheckItem & { readonly behaviour?: FilteringBehaviour };
  /** yes: a packet to our own public endpoint from inside comes back to us. */
  readonly hairpin: CheckItem;
  /** IPv6 only: can a friend's first packet reach this machine unasked. */
  readonly inbound?: CheckItem;
  /** Every STUN server asked for this family, with its round trip or what went wrong. */
  readonly servers: readonly { readonly server: string; readonly rttMs?: number; readonly mapped?: string; readonly error?: string }[];
}

/** The rendezvous server's clock and round trip. */
export interface RendezvousReport {
  readonly reachable: CheckItem;
  /** Server clock minus ours, ms (positive: the server is ahead). */
  readonly offsetMs?: number;
  readonly rttMs?: number;
}

/** The plain verdict on top of the check. */
export interface Verdict {
  readonly level: 'good' | 'limited' | 'poor' | 'blocked' | 'unknown';
  readonly text: string;
}

/** The whole network check. */
export interface NetcheckReport {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly verdict: Verdict;
  readonly ipv4: FamilyReport;
  readonly ipv6: FamilyReport;
  readonly rendezvous: RendezvousReport;
}
