/**
 * Timed session listeners: a UDP socket an extension binds for a window, on which the host
 * answers Kith handshakes from saved friends and runs the resulting sessions like any other.
 * See {@link Network.listenForSessions} and docs/extensions.md ("Timed session listeners").
 */
import type { Disposable } from './disposable.js';
import type { Endpoint, PeerKey } from './context.js';
import type { Event } from './event.js';

/** Longest window a session listener may be bound for (15 minutes). */
export const MAX_LISTENER_WINDOW_MS = 15 * 60_000;
/** Friends one listener may be limited to. */
export const MAX_LISTENER_PEERS = 1024;
/** Endpoints one {@link SessionListener.connect} call may aim at. */
export const MAX_CONNECT_ENDPOINTS = 8;

/** What {@link Network.listenForSessions} binds. */
export interface SessionListenerOptions {
  /** UDP port (0 = any free one). */
  readonly port: number;
  /** `ipv6` binds an IPv6-only socket on `::`, `ipv4` one on `0.0.0.0`. */
  readonly family: 'ipv4' | 'ipv6';
  /**
   * End of the window (Unix ms): at most {@link MAX_LISTENER_WINDOW_MS} from now. From then on
   * no new handshake is taken (rekeys of its sessions still are), a handshake it answered but
   * that is not confirmed yet is dropped and the friend told with a sealed Close, and the socket
   * closes at once unless it carries a live session, which keeps it until that session ends
   * (sessions never move to another socket). A bad window is `KITH_ERR_BAD_REQUEST`.
   */
  readonly untilMs: number;
  /**
   * Take handshakes only from these saved friends (a listener meant for one friend); anyone
   * else's gets no reply and is counted as `hello-not-allowed`. Default: every saved friend.
   * At most {@link MAX_LISTENER_PEERS}.
   */
  readonly peers?: readonly PeerKey[];
}

/** Datagrams a listener took and refused, refusals by reason (`hello-unknown-peer`, `bad-magic`, ...). */
export interface DatagramCounters {
  readonly accepted: number;
  readonly rejected: number;
  readonly reasons: Readonly<Record<string, number>>;
}

/** A session that opened over a listener's socket (either side started the handshake). */
export interface ListenerSession {
  readonly peer: PeerKey;
  /** Where the friend's datagrams come from. */
  readonly remote: Endpoint;
  /** Unix ms when the handshake completed. */
  readonly openedAt: number;
  /** True when this side sent the first handshake message. */
  readonly initiator: boolean;
}

/** Options of {@link SessionListener.connect}. */
export interface ListenerConnectOptions {
  /**
   * Local-clock Unix ms at which to start sending (a scheduled punch or a simultaneous open);
   * default now. Must fall inside the window.
   */
  readonly atMs?: number;
  /** Give up this long after `atMs` (default 5 s, never past the window's end). */
  readonly timeoutMs?: number;
}

/** State of a listener's socket. */
export type SessionListenerState = 'listening' | 'carrying-sessions' | 'closed';

/**
 * A timed UDP listener that turns authenticated handshakes from saved friends into sessions.
 * Strangers (an unknown static key), garbage and replays get no reply at all; each is counted in
 * {@link counters}. Dispose it to close the socket now (sessions over it close with reason
 * `listener-closed`); the host disposes it when the extension stops.
 */
export interface SessionListener extends Disposable {
  /** The bound address and port. */
  readonly local: Endpoint;
  readonly untilMs: number;
  readonly state: SessionListenerState;
  /** A session opened over this socket. The bus then carries it like any other (ctx.sessions). */
  readonly onDidOpenSession: Event<ListenerSession>;
  /**
   * The socket closed: `window-ended` (no session on it then), `sessions-ended` (its last session
   * ended after the window), `disposed` (by the extension, or because the extension stopped: off,
   * lock, persona switch).
   */
  readonly onDidClose: Event<string>;
  /** What arrived on this socket so far. */
  counters(): DatagramCounters;
  /**
   * Start a handshake with `peer` (a saved friend) from this socket toward `endpoints` at
   * `options.atMs`: bursts of HELLOs go out until a session with the peer opens. Resolves with
   * the session (one already live with that peer counts); rejects with `KITH_ERR_NOT_FOUND`
   * for a stranger, `KITH_ERR_BAD_REQUEST` for endpoints of the other family or an `atMs` outside
   * the window, `KITH_ERR_TIMEOUT` when nothing answered in time or the window ended first. At
   * most 4 connects run at once per listener.
   */
  connect(peer: PeerKey, endpoints: readonly Endpoint[], options?: ListenerConnectOptions): Promise<ListenerSession>;
}
