/**
 * Kith's UDP wire constants. Every peer datagram starts with {@link PEER_MAGIC}; STUN messages
 * start with two zero bits and carry the STUN magic cookie, so one receive loop can tell them apart.
 * The packet layouts are documented in docs/net.md.
 */

/** First byte of every Kith peer datagram. */
export const PEER_MAGIC = 0xcc;

/** Packet types (second byte). */
export const PacketType = {
  /** Noise KK message 1: e, es, ss (+ encrypted timestamp). Fired in bursts while punching. */
  Hello: 0x01,
  /** Noise KK message 2: e, ee, se. */
  HelloAck: 0x02,
  /** Transport data under the session keys. */
  Data: 0x03,
  /** LAN beacon: "a friend of yours is on this link" (keyed hint, no identities in clear). */
  Beacon: 0x04,
} as const;

/** Inner message types inside a decrypted Data packet (first plaintext byte). */
export const InnerType = {
  /** Keepalive; the initiator's first one also confirms the handshake to the responder. */
  Keepalive: 0x01,
  /** The sender closes the session (reason follows as UTF-8, bounded). */
  Close: 0x02,
  /** Path MTU probe: probe id u32, then padding to the size being tried (docs/wire/pmtu.md). */
  Probe: 0x03,
  /** Answer to a probe: id, the probe's datagram size, and the receiver's counts (docs/wire/pmtu.md). */
  ProbeAck: 0x04,
  /** A bus frame for the session link's `onDidReceive`. */
  Payload: 0x10,
} as const;

/** The largest UDP payload that fits a 1280-byte IPv6 MTU (1280 - 40 IPv6 - 8 UDP). */
export const MAX_DATAGRAM = 1232;

/** Anything larger than this is rejected before parsing (bounded receive, including STUN), except DATA up to {@link MAX_PROBE_DATAGRAM}. */
export const MAX_RECEIVE = 1500;

/**
 * The largest datagram path MTU discovery tries, and the largest DATA datagram a live session
 * accepts: the biggest UDP payload IPv4 can carry (65,535 − 20 − 8), which IPv6 carries too.
 */
export const MAX_PROBE_DATAGRAM = 65_507;

/** magic(1) type(1) receiver index(4) counter(8). */
export const DATA_HEADER_BYTES = 14;
/** Poly1305 tag. */
export const TAG_BYTES = 16;
/** Plaintext bytes a DATA datagram of `datagram` bytes carries besides its inner type. */
export function payloadOf(datagram: number): number {
  return datagram - DATA_HEADER_BYTES - TAG_BYTES - 1;
}
/** Largest plaintext a session link sends before (or without) a confirmed larger path MTU: the sealed datagram stays within {@link MAX_DATAGRAM}. */
export const MAX_PAYLOAD = payloadOf(MAX_DATAGRAM);

/** Session timing (ms). */
export const KEEPALIVE_MS = 5_000;
export const IDLE_TIMEOUT_MS = 20_000;
/** A HELLO whose timestamp is further than this from our clock is refused (replay bound). */
export const HELLO_FRESHNESS_MS = 10 * 60_000;
/** A half-open handshake (answered HELLO, no confirmation yet) is dropped after this. */
export const PENDING_HANDSHAKE_MS = 10_000;
