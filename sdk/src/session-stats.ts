/**
 * Read-side diagnostics: what `ctx.diagnostics` tells an extension about the active persona's
 * live sessions, the host's datagram counters and its connect attempts. Every value is plain
 * data (structuredClone-able), carries no key or secret, and belongs to the active persona.
 */
import type { Endpoint, PeerKey, TraceEntry } from './context.js';
import type { DatagramCounters } from './timed-listener.js';

/** Which socket a session runs over. */
export type SessionSocket =
  | { readonly kind: 'main' }
  /** A timed listener bound by `extension` (ctx.network.listenForSessions). */
  | { readonly kind: 'listener'; readonly extension: string; readonly local: Endpoint };

/** One step of the attempt that opened a session (clock sync, rendezvous request, a rung). */
export interface OpeningStage {
  readonly stage: string;
  readonly outcome: TraceEntry['outcome'];
  readonly ms: number | null;
}

/** How a session came to be. */
export interface SessionOpening {
  /**
   * The rung that got through (`ipv6-direct`, `ipv4-punch`, `lan-direct`), `listener` for a
   * handshake taken or started on a timed listener, `inbound` when the friend's handshake
   * reached our main port outside any attempt of ours, `unknown` otherwise.
   */
  readonly rung: string;
  /** First HELLO sent to HELLO-ACK read (initiator only, punching waits included), ms. */
  readonly handshakeMs: number | null;
  /** The stages of the connect attempt, in order, with their durations (empty when none ran). */
  readonly stages: readonly OpeningStage[];
}

/** Stats of one live session, as of the moment they were read. */
export interface SessionStats {
  readonly peer: PeerKey;
  /** `ipv6-direct`, `ipv4-punch`, `lan` or `loopback`, from the remote address. */
  readonly path: string;
  readonly socket: SessionSocket;
  readonly remote: Endpoint;
  /** Unix ms. */
  readonly openedAt: number;
  /** True when this side sent the HELLO. */
  readonly initiator: boolean;
  readonly openedBy: SessionOpening;
  readonly cipher: {
    readonly protocol: string;
    readonly aead: string;
    /** In-session rekeys so far (fresh keys every two minutes). */
    readonly rekeys: number;
    readonly keysAgeMs: number;
  };
  /**
   * Round trip, from acknowledged reliable events (`source: 'bus-acks'`: the friend acknowledges
   * after persisting, so it includes that), or before any, the one round trip the handshake
   * measured (`'handshake'`: HELLO-ACK sent to confirmation read, or a lone HELLO to its
   * HELLO-ACK). null when nothing measured it.
   */
  readonly rtt: {
    readonly smoothedMs: number | null;
    readonly latestMs: number | null;
    readonly varianceMs: number | null;
    readonly source: 'bus-acks' | 'handshake' | 'none';
  };
  readonly loss: {
    /**
     * Share of the friend's datagrams that never arrived (0..1), from gaps in their packet
     * counters; null before any arrived.
     */
    readonly inbound: number | null;
    /** Reliable events this side sent again (timeouts and gap repairs). */
    readonly retransmits: number;
  };
  readonly traffic: {
    /** Datagram bytes on the wire (headers and tags included). */
    readonly bytesIn: number;
    readonly bytesOut: number;
    readonly packetsIn: number;
    readonly packetsOut: number;
    /** Average over the interval since the previous sample (samples are at least 1 s apart). */
    readonly bytesInPerSec: number;
    readonly bytesOutPerSec: number;
    readonly lastReceivedAt: number;
    readonly lastSentAt: number;
  };
}

/** The host's datagram counters. */
export interface NetCounters {
  /** The main session/STUN UDP port (0 before it is bound). */
  readonly udpPort: number;
  /** Everything that arrived on the main port (host-wide: counts carry no persona data). */
  readonly mainPort: DatagramCounters;
  /** Summed over every timed session listener bound since the host started. */
  readonly listeners: DatagramCounters;
}

/** One connect attempt of the active persona, its steps in order. */
export interface ConnectAttempt {
  readonly id: string;
  readonly peer: PeerKey | null;
  /** Unix ms of its first and last step. */
  readonly startedAt: number;
  readonly lastAt: number;
  /** `ok` or `failed` once its final `connect` step is in; `running` before. */
  readonly outcome: 'ok' | 'failed' | 'running';
  readonly steps: readonly (TraceEntry & { readonly at: number; readonly candidate?: string })[];
}

/** One entry of the rendezvous activity log (publish, poll, fetch, check...). */
export interface RendezvousActivity extends TraceEntry {
  readonly at: number;
  /** `presence`, or the extension that traced it. */
  readonly source: string;
}

/** What `onDidChange` hands over: a fresh snapshot. */
export interface DiagnosticsSnapshot {
  readonly at: number;
  readonly sessions: readonly SessionStats[];
  readonly counters: NetCounters;
}

/** One entry of the host's trace log (connect steps, extensions' own traces), as stored. */
export interface TraceRecord extends TraceEntry {
  readonly at: number;
  /** `net`, `presence`, or the extension that traced it. */
  readonly source: string;
}

/** A rendezvous room this unlock session has published in (owners not yet unpublished). */
export interface TrackedRoom {
  readonly url: string;
  /** The room id (a hash of the word). */
  readonly room: string;
  /** The word the user typed, when the room was joined by word in this unlock session; else null. */
  readonly word: string | null;
  /** Owner secrets still published there. */
  readonly owners: number;
  /** `presence`, or `ext:<id>` of an extension that published raw. */
  readonly sources: readonly string[];
}

/** A room the user joined by word (the Connect page) in this unlock session. */
export interface JoinedRoom {
  readonly url: string;
  readonly room: string;
  readonly word: string;
  readonly mode: 'manual' | 'auto' | 'parked';
  readonly showStrangers: boolean;
}

/** The active persona's rendezvous rooms: none of a former unlock session's or persona's. */
export interface RendezvousRooms {
  readonly tracked: readonly TrackedRoom[];
  readonly joined: readonly JoinedRoom[];
}
