import type { Endpoint, SessionSocket } from '@kith/sdk';
import type { RejectionCounters } from './rejection-counters.js';
import type { LiveSession } from './live-session.js';

/**
 * A UDP socket the session table runs handshakes and sessions over: the main port, or a timed
 * listener an extension bound. A session stays on the socket its handshake completed on: its
 * datagrams go out of it, and only datagrams that arrive on it reach it.
 */
export interface SessionSocketPort {
  send(data: Uint8Array, to: Endpoint): void;
  /** Where this socket's refusals and acceptances are counted. */
  readonly counters: RejectionCounters;
  /** False once a listener's window ended: only rekeys of sessions already on it are taken. */
  readonly takesHandshakes: boolean;
  /** Whether a handshake with `peer` may run over this socket (every saved friend when absent). */
  accepts?(peer: string): boolean;
  /** What diagnostics say about it. */
  readonly description: SessionSocket;
  /** A session opened over this socket. */
  sessionOpened?(session: LiveSession): void;
  /** A session over this socket ended. */
  sessionClosed?(session: LiveSession): void;
}
