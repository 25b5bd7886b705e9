import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter, type Endpoint, type PeerKey, type SessionOpening } from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import { AEAD_TAG_BYTES, open, openInPlace, sealInPlace } from './aead.js';
import { ReplayWindow } from './replay-window.js';
import { decodeData, writeDataHeader, REKEY_TAG_BYTES } from './peer-packet.js';
import { DATA_HEADER_BYTES, InnerType, MAX_PROBE_DATAGRAM, TAG_BYTES, payloadOf } from './wire-constants.js';
import { PathMtu } from './path-mtu.js';
import { TokenBucket } from './token-bucket.js';
import type { TransportKeys } from './noise-kk.js';
import { isPrivateAddress } from './endpoint.js';
import { wireSlab } from '../core/byte-slab.js';
import { largePackets } from '../core/packet-pool.js';
import type { SessionSocketPort } from './session-socket.js';

/** What a session needs from the table that owns it. */
export interface SessionHost {
  transmit(data: Buffer, to: Endpoint): void;
  /** Called once when the session ends, before `onDidClose` fires. */
  forget(session: LiveSession, reason: string): void;
}

/** A session moves to a new address at most this often (roaming). */
const MOVE_INTERVAL_MS = 1000;

/** The path label both sides can derive from the remote address alone. */
export function pathFor(remote: Endpoint): string {
  if (remote.address === '127.0.0.1' || remote.address === '::1') return 'loopback';
  if (isPrivateAddress(remote.address)) return 'lan';
  return remote.family === 'ipv6' ? 'ipv6-direct' : 'ipv4-punch';
}

/** One set of transport keys with its indices, counter and replay window. */
interface Generation {
  readonly keys: TransportKeys;
  readonly localIndex: number;
  readonly remoteIndex: number;
  readonly window: ReplayWindow;
  readonly startedAt: number;
  counter: number;
  /** Authenticated datagrams received under these keys, and the highest counter among them (loss). */
  received: number;
  highest: number;
}

/** How long the previous keys still open packets after a rekey (packets in flight). */
export const PREVIOUS_KEYS_GRACE_MS = 15_000;

/**
 * Body of our keepalives: "this end answers path MTU probes", then 0 or 1 (1: please say so too).
 * Older peers ignore a keepalive's body (docs/wire/pmtu.md).
 */
export const PROBE_MARK = Buffer.from('PMTU', 'latin1');
const MARK = Buffer.concat([PROBE_MARK, Buffer.of(0)]);
const MARK_ASKING = Buffer.concat([PROBE_MARK, Buffer.of(1)]);
/** id u32, probe datagram size u32, the receiver's received u32 and highest counter u32 (low bits). */
export const PROBE_ACK_BODY_BYTES = 16;
/** Probe answers and marker replies a peer can draw from us: each is smaller than what asked for it. */
const ANSWERS_PER_SECOND = 20;

/**
 * One live encrypted session: the SessionLink the bus uses. Sending seals with a counter nonce;
 * receiving checks the replay window before decrypting and commits after authentication. A
 * rekey (a fresh KK handshake inside the session) swaps the keys without the bus noticing; the
 * previous keys keep opening late packets for {@link PREVIOUS_KEYS_GRACE_MS}.
 */
export class LiveSession implements SessionLink {
  readonly peer: PeerKey;
  readonly peerId: string;
  readonly path: string;
  readonly openedAt = Date.now();
  /** True on the side that sent the HELLO: it is the one that starts rekeys. */
  readonly initiator: boolean;
  lastReceivedAt = Date.now();
  lastSentAt = Date.now();
  /** The socket this session runs over. */
  readonly via: SessionSocketPort;
  /** How it was opened; the connect attempt that found it fills in its rung and stages. */
  openedBy: SessionOpening;
  /** Wire bytes and datagrams each way (diagnostics). */
  bytesIn = 0;
  bytesOut = 0;
  packetsIn = 0;
  packetsOut = 0;
  rekeys = 0;
  /** One round trip measured by the handshake itself, when it could be measured cleanly (ms). */
  readonly handshakeRttMs: number | null;
  /** Expected and received datagram counts of key generations already dropped (inbound loss). */
  #lossFolded = { expected: 0, received: 0 };
  #remote: Endpoint;
  /** When the session last moved to a new address (roaming). */
  #movedAt = -Infinity;
  #closed = false;
  #current: Generation;
  #previous: { generation: Generation; until: number } | undefined;
  readonly #host: SessionHost;
  readonly #received = new EventEmitter<Uint8Array>();
  readonly #closedEvent = new EventEmitter<string>();
  readonly #heartbeat = new EventEmitter<void>();
  /** The size this session sends at (docs/wire/pmtu.md). */
  readonly pathMtu: PathMtu;
  readonly #answers = new TokenBucket(ANSWERS_PER_SECOND, ANSWERS_PER_SECOND);
  readonly onDidReceive = this.#received.event;
  readonly onDidClose = this.#closedEvent.event;
  /** A keepalive arrived. */
  readonly onHeartbeat = this.#heartbeat.event;

  constructor(options: {
    peer: PeerKey; peerId: string; remote: Endpoint; keys: TransportKeys;
    localIndex: number; remoteIndex: number; host: SessionHost; initiator: boolean; path?: string;
    via: SessionSocketPort; opening?: SessionOpening; handshakeRttMs?: number | null;
  }) {
    this.peer = options.peer;
    this.peerId = options.peerId;
    this.#remote = options.remote;
    this.#current = generation(options.keys, options.localIndex, options.remoteIndex);
    this.#host = options.host;
    this.initiator = options.initiator;
    this.path = options.path ?? pathFor(options.remote);
    this.via = options.via;
    this.handshakeRttMs = options.handshakeRttMs ?? null;
    this.openedBy = options.opening ?? { rung: options.initiator ? 'unknown' : 'inbound', handshakeMs: null, stages: [] };
    this.pathMtu = new PathMtu({
      sendProbe: (size, id) => {
        // id, then zeros up to the size tried: the sealed datagram is exactly `size` bytes.
        const body = Buffer.alloc(payloadOf(size));
        body.writeUInt32BE(id, 0);
        this.#sendInner(InnerType.Probe, body);
        return this.#current.remoteIndex;
      },
      askPeer: () => this.#sendInner(InnerType.Keepalive, MARK_ASKING),
    });
  }

  /** Largest plaintext `send` takes now: the base 1201 bytes, or more on a path a probe confirmed. */
  get maxPayload(): number {
    return payloadOf(this.pathMtu.datagram);
  }

  /** Share of the peer's datagrams that never arrived (gaps in its counters), null before any arrived. */
  get inboundLoss(): number | null {
    let expected = this.#lossFolded.expected;
    let received = this.#lossFolded.received;
    for (const gen of this.#previous ? [this.#current, this.#previous.generation] : [this.#current]) {
      expected += gen.highest + 1;
      received += gen.received;
    }
    return expected === 0 ? null : Math.max(0, 1 - received / expected);
  }

  get remote(): Endpoint {
    return this.#remote;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The index peers address us by (current keys). */
  get localIndex(): number {
    return this.#current.localIndex;
  }

  get remoteIndex(): number {
    return this.#current.remoteIndex;
  }

  /** Unix ms when the current keys were made. */
  get keysAt(): number {
    return this.#current.startedAt;
  }

  /** Proves a rekey HELLO belongs to this session: only its two ends know the handshake hash. */
  rekeyTag(): Buffer {
    return rekeyTagOf(this.#current.keys.handshakeHash);
  }

  matchesRekeyTag(tag: Uint8Array): boolean {
    return tag.length === REKEY_TAG_BYTES && timingSafeEqual(this.rekeyTag(), tag);
  }

  send(plaintext: Uint8Array, tail?: Uint8Array): void {
    const length = plaintext.length + (tail?.length ?? 0);
    const max = this.maxPayload;
    if (length > max) {
      throw new RangeError(`a session datagram carries at most ${max} bytes, got ${length}`);
    }
    this.#sendInner(InnerType.Payload, plaintext, tail);
    this.pathMtu.noteSend(DATA_HEADER_BYTES + 1 + length + TAG_BYTES);
  }

  sendKeepalive(): void {
    this.#sendInner(InnerType.Keepalive, MARK);
  }

  /** Switch to new keys (rekey); the old ones stay readable for a grace period. Returns the old local index. */
  adopt(keys: TransportKeys, localIndex: number, remoteIndex: number): number {
    const old = this.#current;
    if (this.#previous) this.#fold(this.#previous.generation);
    this.#previous = { generation: old, until: Date.now() + PREVIOUS_KEYS_GRACE_MS };
    this.#current = generation(keys, localIndex, remoteIndex);
    this.rekeys++;
    return old.localIndex;
  }

  /** Drop the previous keys once their grace period is over; returns their local index then. */
  expirePrevious(now = Date.now()): number | undefined {
    if (!this.#previous || now < this.#previous.until) return undefined;
    const index = this.#previous.generation.localIndex;
    this.#fold(this.#previous.generation);
    this.#previous = undefined;
    return index;
  }

  /** Local indices this session answers to (current, and previous during the grace period). */
  indices(): number[] {
    return this.#previous ? [this.#current.localIndex, this.#previous.generation.localIndex] : [this.#current.localIndex];
  }

  /**
   * Handle a DATA datagram addressed to this session. Returns a rejection reason, or undefined
   * when it was accepted.
   */
  receive(data: Buffer, from: Endpoint): string | undefined {
    if (this.#closed) return 'data-closed-session';
    // Authenticated sessions take datagrams up to the largest probe size; the handshake's never more than the base.
    const decoded = decodeData(data, MAX_PROBE_DATAGRAM);
    if (!decoded.ok) return decoded.reason;
    const { receiverIndex, counter, header, sealed } = decoded.value;
    const gen = receiverIndex === this.#current.localIndex ? this.#current
      : this.#previous && receiverIndex === this.#previous.generation.localIndex ? this.#previous.generation
      : undefined;
    if (!gen) return 'data-unknown-index';
    return this.#accept(gen, counter, header, sealed, from);
  }

  /**
   * The responder's side of a rekey: the first packet under the new keys confirms them. Adopts
   * them only if the packet authenticates.
   */
  receiveWithNewKeys(keys: TransportKeys, localIndex: number, remoteIndex: number, data: Buffer, from: Endpoint): string | undefined {
    if (this.#closed) return 'data-closed-session';
    const decoded = decodeData(data, MAX_PROBE_DATAGRAM);
    if (!decoded.ok) return decoded.reason;
    const candidate = generation(keys, localIndex, remoteIndex);
    const { counter, header, sealed } = decoded.value;
    const plaintext = open(keys.receive, counter, header, sealed);
    if (!plaintext) return 'data-auth-failed';
    if (this.#previous) this.#fold(this.#previous.generation);
    this.#previous = { generation: this.#current, until: Date.now() + PREVIOUS_KEYS_GRACE_MS };
    this.#current = candidate;
    this.rekeys++;
    return this.#accept(candidate, counter, header, sealed, from, plaintext);
  }

  close(reason = 'closed-locally'): void {
    this.#finish(reason, true);
  }

  /**
   * Authenticate and deliver one DATA packet. Decrypts in place: the datagram is ours, and its
   * plaintext is handed on as a view, so nothing is allocated per packet. `opened` is the
   * plaintext when the caller already authenticated it (rekey confirmation).
   */
  #accept(gen: Generation, counter: number, header: Buffer, sealed: Buffer, from: Endpoint, opened?: Buffer): string | undefined {
    if (!gen.window.wouldAccept(counter)) return 'data-replayed';
    const plaintext = opened ?? openInPlace(gen.keys.receive, counter, header, sealed);
    if (!plaintext) return 'data-auth-failed';
    if (!gen.window.commit(counter)) return 'data-replayed';
    this.lastReceivedAt = Date.now();
    this.bytesIn += header.length + sealed.length;
    this.packetsIn++;
    gen.received++;
    const newest = counter > gen.highest;
    if (newest) gen.highest = counter;
    // Roaming: an authenticated packet from a new address moves the session there, at the base
    // datagram size until a probe confirms more on the new path. Only the newest packet yet (a
    // delayed or reordered older one, replayed from elsewhere, moves nothing), and at most once a
    // second, so a host that can race packets cannot swing the session's traffic around.
    if ((from.port !== this.#remote.port || from.address !== this.#remote.address) && newest) {
      const now = performance.now();
      if (now - this.#movedAt >= MOVE_INTERVAL_MS) {
        this.#movedAt = now;
        this.#remote = from;
        this.pathMtu.pathChanged();
      }
    }
    if (plaintext.length === 0) return 'data-empty';
    const inner = plaintext[0];
    if (inner === InnerType.Payload) {
      this.#received.fire(plaintext.subarray(1));
      return undefined;
    }
    if (inner === InnerType.Keepalive) {
      this.#onKeepalive(plaintext);
      this.#heartbeat.fire();
      return undefined;
    }
    if (inner === InnerType.Probe) return this.#answerProbe(gen, plaintext, header.length + sealed.length);
    if (inner === InnerType.ProbeAck) {
      if (plaintext.length !== 1 + PROBE_ACK_BODY_BYTES) return 'probe-ack-bad-length';
      this.pathMtu.onAnswer(plaintext.readUInt32BE(1), plaintext.readUInt32BE(5), {
        received: plaintext.readUInt32BE(9), highest: plaintext.readUInt32BE(13),
      });
      return undefined;
    }
    if (inner === InnerType.Close) {
      this.#finish('closed-by-peer', false);
      return undefined;
    }
    return 'data-bad-inner';
  }

  /** A keepalive with our mark: the peer answers probes; with 1 it asks whether we do. */
  #onKeepalive(plaintext: Buffer): void {
    if (plaintext.length !== 1 + MARK.length || !plaintext.subarray(1, 1 + PROBE_MARK.length).equals(PROBE_MARK)) return;
    this.pathMtu.peerAnswers();
    if (plaintext[1 + PROBE_MARK.length] === 1 && this.#answers.take()) this.#sendInner(InnerType.Keepalive, MARK);
  }

  /**
   * Answer a probe: its id and size, and how many of the peer's datagrams arrived under these keys
   * (its loss check). Bounded per second; the answer is smaller than any probe.
   */
  #answerProbe(gen: Generation, plaintext: Buffer, size: number): string | undefined {
    if (plaintext.length < 5) return 'probe-bad-length';
    this.pathMtu.peerAnswers();
    if (!this.#answers.take()) return 'probe-rate-limited';
    const body = Buffer.allocUnsafe(PROBE_ACK_BODY_BYTES);
    body.writeUInt32BE(plaintext.readUInt32BE(1), 0);
    body.writeUInt32BE(size, 4);
    body.writeUInt32BE(gen.received >>> 0, 8);
    body.writeUInt32BE(gen.highest >>> 0, 12);
    this.#sendInner(InnerType.ProbeAck, body);
    return undefined;
  }

  #fold(gen: Generation): void {
    this.#lossFolded.expected += gen.highest + 1;
    this.#lossFolded.received += gen.received;
  }

  #finish(reason: string, tellPeer: boolean): void {
    if (this.#closed) return;
    this.pathMtu.close();
    if (tellPeer) {
      try {
        this.#sendInner(InnerType.Close, Buffer.from(reason.slice(0, 64), 'utf8'));
      } catch {
        // Best effort: the peer will time out instead.
      }
    }
    this.#closed = true;
    this.#host.forget(this, reason);
    this.#closedEvent.fire(reason);
    this.#received.dispose();
    this.#closedEvent.dispose();
    this.#heartbeat.dispose();
  }

  #sendInner(type: number, body: Uint8Array, tail?: Uint8Array): void {
    if (this.#closed) return;
    const gen = this.#current;
    const counter = gen.counter++;
    // header | type | body | tail | tag in one buffer, sealed in place: one allocation per datagram.
    const tailLength = tail?.length ?? 0;
    const size = DATA_HEADER_BYTES + 1 + body.length + tailLength + AEAD_TAG_BYTES;
    // Large datagrams reuse pooled buffers (the UDP port gives them back once sent).
    const packet = size > wireSlab.limit && largePackets.fits(size) ? largePackets.take(size) : wireSlab.take(size);
    writeDataHeader(packet, gen.remoteIndex, counter);
    packet[DATA_HEADER_BYTES] = type;
    packet.set(body, DATA_HEADER_BYTES + 1);
    if (tail) packet.set(tail, DATA_HEADER_BYTES + 1 + body.length);
    sealInPlace(gen.keys.send, counter, packet.subarray(0, DATA_HEADER_BYTES), packet, DATA_HEADER_BYTES);
    this.lastSentAt = Date.now();
    this.bytesOut += packet.length;
    this.packetsOut++;
    this.#host.transmit(packet, this.#remote);
  }
}

function generation(keys: TransportKeys, localIndex: number, remoteIndex: number): Generation {
  return { keys, localIndex, remoteIndex, window: new ReplayWindow(), startedAt: Date.now(), counter: 0, received: 0, highest: -1 };
}

export function rekeyTagOf(handshakeHash: Uint8Array): Buffer {
  return createHmac('sha256', handshakeHash).update('kith/net/v1/rekey').digest().subarray(0, REKEY_TAG_BYTES);
}
