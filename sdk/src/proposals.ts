/**
 * Proposed API: members that may still change or go away, fenced off the way VS Code fences its
 * proposals. An extension lists the proposals it uses in its manifest's `enabledApiProposals`;
 * touching a member of `ctx.proposed` whose proposal it did not list throws
 * `KITH_ERR_PROPOSAL_NOT_ENABLED`, and the host refuses a manifest that names an unknown proposal.
 * A proposal either becomes stable API (and moves out of `ctx.proposed`) or is removed; code that
 * uses one should expect to change.
 */

/** Every proposal this SDK knows, with a sentence saying what it adds. */
export const API_PROPOSALS = {
  hostInfo: 'ctx.proposed.hostInfo: the running host\'s API version, release and the proposals it offers',
} as const satisfies Record<string, string>;

/** The name of a proposal, e.g. `hostInfo`. */
export type ApiProposal = keyof typeof API_PROPOSALS;

/** Facts about the running host (proposal `hostInfo`). */
export interface HostInfo {
  /** The extension API version the host implements (compare with the SDK's `SDK_API_VERSION`). */
  readonly apiVersion: string;
  /** The Kith release, e.g. `0.1.0`. */
  readonly release: string;
  /** Proposals this host offers. */
  readonly proposals: readonly ApiProposal[];
}

/** `ctx.proposed`: one member per proposal; each throws unless the manifest enables it. */
export interface ProposedApi {
  /** Proposal `hostInfo`. */
  readonly hostInfo: HostInfo;
}
