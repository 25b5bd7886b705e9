import type { Endpoint, Event, PeerKey } from '@kith/sdk';

/**
 * One live encrypted session with a peer, as the net layer hands it to the bus: an unreliable,
 * authenticated, encrypted datagram channel. Reliability, ordering and priorities are the bus's job.
 */
export interface SessionLink {
  readonly peer: PeerKey;
  readonly peerId: string;
  /** `ipv6-direct`, `ipv4-punch`, `lan`, `parked`, `loopback`. */
  readonly path: string;
  readonly remote: Endpoint;
  readonly openedAt: number;
  /** When the last authenticated datagram from the peer arrived (ms); absent where not tracked. */
  readonly lastReceivedAt?: number;
  /**
   * Largest plaintext `send` accepts now: 1201 bytes (the sealed datagram fits a 1280-byte IPv6
   * MTU) until a path MTU probe the peer acknowledged allows more (up to 65,476), and back to 1201
   * after a fall back (docs/wire/pmtu.md). It can change between sends: read it when cutting.
   */
  readonly maxPayload: number;
  /**
   * Encrypt and send one datagram carrying `plaintext`, followed by `tail` when given (a small
   * head and a view of a larger buffer go out without being joined first). Throws RangeError
   * when the two together exceed `maxPayload`.
   */
  send(plaintext: Uint8Array, tail?: Uint8Array): void;
  /** Every authenticated, decrypted, non-replayed datagram from the peer (bus frames only). */
  readonly onDidReceive: Event<Uint8Array>;
  /** Fires once with the reason when the session ends. */
  readonly onDidClose: Event<string>;
  close(reason?: string): void;
}

/** The set of live session links of the active persona. */
export interface SessionLinks {
  readonly all: readonly SessionLink[];
  get(peer: PeerKey): SessionLink | undefined;
  readonly onDidOpen: Event<SessionLink>;
  /** Open a session with a saved friend (rendezvous connect flow); resolves when live. */
  connect(peer: PeerKey, options?: { candidates?: readonly Endpoint[]; timeoutMs?: number }): Promise<SessionLink>;
}
