import type { Endpoint, Event, PeerKey } from '@kith/sdk';

/**
 * The contract between the presence area (rendezvous, sealed presence) and the net area (STUN,
 * connect orchestrator). The net area receives the `PresenceArea` in `createNetArea` and uses
 * only what is declared here; presence never imports net, so there is no cycle.
 * Documented in docs/rendezvous.md ("Signalling API for the net area").
 */

/**
 * How long a requester waits for the accept of its connect request (ms). The receiver expires the
 * request at the same moment (from its signed, server-clock `sentAt`), so a prompt never outlives
 * the wait and a late accept is refused as expired instead of punching at nobody.
 */
export const CONNECT_REQUEST_TTL_MS = 30_000;

/** A peer's public endpoints, as discovered through STUN. Private/LAN addresses are dropped before publishing. */
export interface PublicEndpoints {
  readonly ipv4: Endpoint | null;
  readonly ipv6: Endpoint | null;
}

/** Supplies this peer's current public endpoints; the net area registers one with `setEndpointSource`. */
export type EndpointSource = () => Promise<PublicEndpoints>;

/** Presence mode a peer advertises inside its sealed announcements. */
export type PresenceMode = 'manual' | 'auto' | 'parked';

/** Who a connect request / accept is for: a saved friend (sealed to the friendship) or a stranger seen in the room. */
export type SignalTarget = { readonly peer: PeerKey } | { readonly peerId: string };

/** Arguments of {@link PresenceSignalling.publishConnectRequest}. */
export interface ConnectRequestArgs {
  /** Rendezvous server URL, e.g. `https://rend.example.org`. */
  readonly url: string;
  /** The room word both sides joined. */
  readonly word: string;
  readonly to: SignalTarget;
  /** Random, unique per attempt (hex, 16..64 chars); the accept mirrors it. */
  readonly nonce: string;
  /** Unix ms (server clock) at which both sides start punching. */
  readonly punchAtMs: number;
  /** Our public endpoints (filtered again: private addresses are never published). */
  readonly endpoints: PublicEndpoints;
}

/** Arguments of {@link PresenceSignalling.publishConnectAccept}: mirrors the request's nonce. */
export type ConnectAcceptArgs = ConnectRequestArgs;

/** A connect request or accept addressed to us, opened and verified (signature by the sender's master key). */
export interface ConnectSignal {
  readonly url: string;
  readonly word: string;
  readonly nonce: string;
  readonly punchAtMs: number;
  /** Sender's master public key (verified: the payload is signed with it). */
  readonly from: PeerKey;
  /** Sender's anonymous peer id. */
  readonly fromPeerId: string;
  /** True when the sender is a saved friend. */
  readonly friend: boolean;
  /** Sender's presence mode, when it told us. */
  readonly mode: PresenceMode | null;
  readonly endpoints: PublicEndpoints;
  /** Unix ms (sender's clock) when it was signed. */
  readonly sentAt: number;
}

/** An inbound connect request; `autoAccept` is true when we are in `auto` mode and the sender is a saved friend. */
export interface InboundConnectRequest extends ConnectSignal {
  readonly autoAccept: boolean;
  /** Unix ms (server clock) after which the requester no longer waits: {@link CONNECT_REQUEST_TTL_MS} after it was sent. */
  readonly expiresAt: number;
}

/** What we last learned about a friend from their sealed announcement (for just-in-time connect). */
export interface LastSeen {
  readonly peer: PeerKey;
  readonly url: string;
  readonly word: string;
  readonly peerId: string;
  readonly mode: PresenceMode;
  readonly endpoints: PublicEndpoints;
  /** Unix ms (our clock) when we opened the announcement. */
  readonly seenAt: number;
}

/** The signalling API the net area consumes for `/api/connect/request|accept`. */
export interface PresenceSignalling {
  /** Register where our public endpoints come from (called once by the net area). */
  setEndpointSource(source: EndpointSource): void;
  /**
   * Publish a `connect_request` in the room of `word`, sealed to the target (friendship routing
   * tag for a friend; the stranger's announced X25519 key for a peer id seen in the room).
   * Throws `KITH_ERR_NOT_FOUND` for an unknown stranger, `KITH_ERR_LOCKED` while locked.
   */
  publishConnectRequest(args: ConnectRequestArgs): Promise<void>;
  /** Publish the `connect_accept` that answers an inbound request (same nonce). */
  publishConnectAccept(args: ConnectAcceptArgs): Promise<void>;
  /**
   * Resolve with the accept for `nonce` once it appears in the room the request went to (the room
   * is fetched about every 500 ms meanwhile). Rejects with `KITH_ERR_TIMEOUT` after `timeoutMs`.
   */
  awaitConnectAccept(nonce: string, timeoutMs: number): Promise<ConnectSignal>;
  /** Fires once per new inbound request (deduplicated by nonce) found by join/poll or the accept watcher. */
  readonly onConnectRequest: Event<InboundConnectRequest>;
  /** The friend's latest sealed announcement, if we saw one in a room we joined. */
  lastSeen(peer: PeerKey): LastSeen | undefined;
  /** The rendezvous server's clock (Unix ms), corrected by the measured offset (cached per URL). */
  serverNow(url: string): Promise<number>;
}
