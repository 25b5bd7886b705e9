import { randomBytes } from 'node:crypto';
import { EventEmitter, KithError, type Endpoint, type PeerKey } from '@kith/sdk';
import type { SessionLink, SessionLinks } from '../core/session-link.js';
import type { UdpPort } from './udp-port.js';
import type { FriendKeys, PeerKeyring, PeerKeyEntry } from './peer-keyring.js';
import { helloHint } from './peer-keyring.js';
import { kkInitiate, kkRespond, type KkInitiator, type TransportKeys } from './noise-kk.js';
import {
  decodeAckPayload, decodeBeacon, decodeHello, decodeHelloAck, decodeHelloPayload, encodeAckPayload, encodeHello,
  encodeHelloAck, encodeHelloPayload,
} from './peer-packet.js';
import { LiveSession, type SessionHost } from './live-session.js';
import { HELLO_FRESHNESS_MS, IDLE_TIMEOUT_MS, KEEPALIVE_MS, MAX_DATAGRAM, PENDING_HANDSHAKE_MS, PacketType } from './wire-constants.js';
import { TokenBucket } from './token-bucket.js';
import { SourceBudgets } from './source-budgets.js';
import { FriendHandshakes } from './friend-handshakes.js';
import type { SessionSocketPort } from './session-socket.js';

interface Initiation {
  readonly entry: PeerKeyEntry;
  readonly index: number;
  readonly kk: KkInitiator;
  readonly packet: Buffer;
  readonly createdAt: number;
  /** HELLOs sent so far: with only one, the HELLO-ACK's arrival time is a clean round trip. */
  sends: number;
  /** Set when this handshake rekeys a live session instead of opening one. */
  readonly rekeyOf?: LiveSession;
}

interface PendingResponse {
  /** The socket the HELLO arrived on: the session runs there once confirmed. */
  readonly via: SessionSocketPort;
  /** Where the HELLO came from (a Close goes there if the listener's window ends first). */
  readonly from: Endpoint;
  readonly entry: PeerKeyEntry;
  readonly index: number;
  readonly remoteIndex: number;
  readonly keys: TransportKeys;
  readonly peerId: string;
  readonly timestampMs: number;
  readonly ephemeralHex: string;
  readonly ack: Buffer;
  readonly createdAt: number;
  answers: number;
  readonly rekeyOf?: LiveSession;
}

/** How long a removed friend's session stays open for this side's replies (see replaceFriends). */
export const FRIEND_REMOVED_GRACE_MS = 2_000;

/** How a SessionLinks.connect call is carried out (the connect orchestrator, set by the area). */
export type Connector = (peer: PeerKey, options: { candidates?: readonly Endpoint[]; timeoutMs?: number }) => Promise<SessionLink>;

/** UI / diagnostics hooks. */
export interface SessionTableEvents {
  onOpen?(session: LiveSession): void;
  onClose?(session: LiveSession, reason: string): void;
  onHeartbeat?(session: LiveSession): void;
  /** A friend's LAN beacon arrived: `from` is their session endpoint (only acted upon while a LAN stage runs). */
  onBeacon?(entry: PeerKeyEntry, from: Endpoint): void;
}

/** HELLO-ACKs re-sent for duplicate HELLOs of one burst, at most. */
const MAX_ACK_RESENDS = 16;
/** Fresh keys every two minutes inside a live session (forward secrecy within long sessions). */
export const REKEY_AFTER_MS = 120_000;

/**
 * The session engine of the active persona on one UDP port: answers and initiates Noise KK
 * handshakes (HELLO / HELLO-ACK), holds live sessions by index, drives keepalives and idle
 * timeouts. Every refused datagram is counted on the port's counters.
 */
export class SessionTable implements SessionLinks, SessionHost {
  readonly #port: UdpPort;
  /** The main port as a session socket. */
  readonly #main: SessionSocketPort;
  readonly #keyring: PeerKeyring;
  readonly #events: SessionTableEvents;
  readonly #byIndex = new Map<number, LiveSession>();
  readonly #byPeer = new Map<PeerKey, LiveSession>();
  readonly #initiations = new Map<PeerKey, Initiation>();
  readonly #initiationsByIndex = new Map<number, Initiation>();
  readonly #responses = new Map<number, PendingResponse>();
  readonly #responsesByPeer = new Map<PeerKey, PendingResponse>();
  readonly #lastHelloTs = new Map<PeerKey, number>();
  readonly #rekeys = new Map<PeerKey, Initiation>();
  /** Removed friends' sessions and the timers that close them. */
  readonly #closing = new Map<LiveSession, NodeJS.Timeout>();
  readonly #rekeyAfterMs: number;
  readonly #helloBudget = new TokenBucket(200, 400);
  /** Replayed HELLOs and session churn, per friend (friend-handshakes.ts). */
  readonly #handshakes = new FriendHandshakes();
  /**
   * HELLO-ACKs whose Noise message is read (one Diffie-Hellman each): anyone who saw our HELLO
   * knows its index, so forged answers to it are bounded, and one address gets a quarter.
   */
  readonly #ackBudget = new TokenBucket(400, 800);
  readonly #ackShares = new SourceBudgets(100, 200);
  /** Beacon lookups: bounded per second. */
  readonly #beaconBudget = new TokenBucket(100, 200);
  /** One sender's share of the beacon lookups: half (a host connecting to many friends at once sends several a second). */
  readonly #beaconShares = new SourceBudgets(50, 100);
  /**
   * Hint lookups cost one HMAC per friend; this bounds that work (about 3 µs each, so at most
   * ~0.3 s of CPU a second) however many HELLO-shaped datagrams arrive and however many friends
   * there are.
   */
  readonly #hmacBudget = new TokenBucket(100_000, 200_000);
  /** One sender's share of those lookups: a quarter, so junk from one address leaves friends the rest. */
  readonly #hmacShares = new SourceBudgets(25_000, 50_000);
  readonly #opened = new EventEmitter<SessionLink>();
  readonly onDidOpen = this.#opened.event;
  #connector: Connector | undefined;
  #timer: NodeJS.Timeout;
  #stopped = false;

  /** `tickMs`: how often {@link tick} runs by itself (tests drive it by hand with a long period). */
  constructor(
    port: UdpPort, keyring: PeerKeyring, events: SessionTableEvents = {}, options: { rekeyAfterMs?: number; tickMs?: number } = {},
  ) {
    this.#port = port;
    this.#main = {
      send: (data, to) => port.send(data, to), counters: port.counters, takesHandshakes: true, description: { kind: 'main' },
    };
    this.#keyring = keyring;
    this.#events = events;
    this.#rekeyAfterMs = options.rekeyAfterMs ?? REKEY_AFTER_MS;
    this.#timer = setInterval(() => this.tick(), options.tickMs ?? 1_000);
    this.#timer.unref();
  }

  get keyring(): PeerKeyring {
    return this.#keyring;
  }

  get all(): readonly SessionLink[] {
    return [...this.#byPeer.values()];
  }

  get(peer: PeerKey): SessionLink | undefined {
    return this.#byPeer.get(peer);
  }

  setConnector(connector: Connector): void {
    this.#connector = connector;
  }

  connect(peer: PeerKey, options: { candidates?: readonly Endpoint[]; timeoutMs?: number } = {}): Promise<SessionLink> {
    const live = this.#byPeer.get(peer);
    if (live) return Promise.resolve(live);
    if (!this.#connector) return Promise.reject(new KithError('KITH_ERR_NOT_AVAILABLE', 'No connect orchestrator'));
    return this.#connector(peer, options);
  }

  /** Resolves when a session with `peer` opens (now, if one is live); rejects after `timeoutMs`. */
  waitForOpen(peer: PeerKey, timeoutMs: number, signal?: AbortSignal): Promise<SessionLink> {
    const live = this.#byPeer.get(peer);
    if (live) return Promise.resolve(live);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        subscription.dispose();
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => { done(); reject(new KithError('KITH_ERR_TIMEOUT', 'cancelled')); };
      const timer = setTimeout(() => { done(); reject(new KithError('KITH_ERR_TIMEOUT', 'no session opened in time')); }, timeoutMs);
      const subscription = this.onDidOpen((link) => {
        if (link.peer !== peer) return;
        done();
        resolve(link);
      });
      signal?.addEventListener('abort', onAbort);
    });
  }

  /**
   * Send our HELLO for `peer` to `to` out of `via` (one packet of a burst); the handshake state is
   * reused, so whichever socket its HELLO-ACK comes back to carries the session.
   */
  sendHello(peer: PeerKey, to: Endpoint, via: SessionSocketPort = this.#main): boolean {
    if (this.#stopped || this.#byPeer.has(peer)) return false;
    const entry = this.#keyring.get(peer);
    if (!entry) throw new KithError('KITH_ERR_NOT_FOUND', 'That peer is not a saved friend');
    let initiation = this.#initiations.get(peer);
    if (!initiation || Date.now() - initiation.createdAt > PENDING_HANDSHAKE_MS) {
      if (initiation) this.#initiationsByIndex.delete(initiation.index);
      const kk = kkInitiate({
        localStatic: entry.localStatic,
        remoteStatic: entry.remoteStatic,
        payload: encodeHelloPayload(Date.now(), this.#keyring.persona.info.peerId),
      });
      const index = this.#freeIndex();
      const hint = helloHint(entry.hintKey, this.#keyring.persona.masterPublicKey, kk.ephemeral.publicKey);
      initiation = { entry, index, kk, packet: encodeHello(index, hint, kk.message), createdAt: Date.now(), sends: 0 };
      this.#initiations.set(peer, initiation);
      this.#initiationsByIndex.set(index, initiation);
    }
    initiation.sends++;
    via.send(initiation.packet, to);
    return true;
  }

  /** Forget a pending initiation (a connect attempt gave up). */
  abandon(peer: PeerKey): void {
    const initiation = this.#initiations.get(peer);
    if (!initiation) return;
    this.#initiations.delete(peer);
    this.#initiationsByIndex.delete(initiation.index);
  }

  /** Handle a beacon that arrived on the LAN beacon socket (same checks as on the session port). */
  handleBeacon(data: Buffer, from: Endpoint): void {
    if (data.length < 2 || data[0] !== 0xcc || data[1] !== PacketType.Beacon) return this.#port.counters.reject('beacon-bad-magic');
    this.#onBeacon(data, from);
  }

  /** The peer-packet handler for a socket's receive loop (the main port unless `via` says otherwise). */
  handle(data: Buffer, from: Endpoint, via: SessionSocketPort = this.#main): void {
    const counters = via.counters;
    if (data.length < 2) return counters.reject('peer-too-short');
    switch (data[1]) {
      case PacketType.Data: return this.#onData(data, from, via);
      case PacketType.Hello: return this.#onHello(data, from, via);
      case PacketType.HelloAck: return this.#onHelloAck(data, from, via);
      case PacketType.Beacon: return via === this.#main ? this.#onBeacon(data, from) : counters.reject('beacon-not-here');
      default: return counters.reject('peer-unknown-type');
    }
  }

  /**
   * A listener's window ended: handshakes it answered and not yet confirmed are dropped, and the
   * friend is told with a sealed Close under the keys it already holds, so no half-open session
   * is left on its side either. HELLO-ACKs arriving on it later are refused (`takesHandshakes`).
   */
  dropHandshakesOn(via: SessionSocketPort, reason: string): void {
    for (const [index, pending] of [...this.#responses]) {
      if (pending.via !== via || pending.rekeyOf) continue;
      this.#responses.delete(index);
      if (this.#responsesByPeer.get(pending.entry.peer) === pending) this.#responsesByPeer.delete(pending.entry.peer);
      const unborn = new LiveSession({
        peer: pending.entry.peer, peerId: pending.peerId, remote: pending.from, keys: pending.keys,
        localIndex: pending.index, remoteIndex: pending.remoteIndex, initiator: false, via,
        host: { transmit: (packet, to) => via.send(packet, to), forget: () => undefined },
      });
      unborn.close(reason);
    }
  }

  /**
   * Replace the friends sessions may run with (`keyring.replace`), and end everything with
   * someone no longer among them: a live session (closed with `reason`, the peer told), a
   * handshake we started or answered (a rekey ends with its session). A removed friend's open
   * session must not outlive the friendship: until it closed, they could still send messages,
   * files and calls.
   */
  replaceFriends(friends: readonly FriendKeys[], reason = 'friend-removed'): void {
    this.#keyring.replace(friends);
    const known = (peer: PeerKey) => this.#keyring.get(peer) !== undefined;
    for (const session of [...this.#byPeer.values()]) if (!known(session.peer)) this.#closeSoon(session, reason);
    for (const initiation of [...this.#initiations.values()]) if (!known(initiation.entry.peer)) this.abandon(initiation.entry.peer);
    for (const [index, pending] of [...this.#responses]) {
      if (known(pending.entry.peer)) continue;
      this.#responses.delete(index);
      if (this.#responsesByPeer.get(pending.entry.peer) === pending) this.#responsesByPeer.delete(pending.entry.peer);
    }
  }

  /**
   * Close a removed friend's session after {@link FRIEND_REMOVED_GRACE_MS}: the bus already takes
   * nothing from it (bus-engine dropPeer), and the grace lets replies already due leave first,
   * above all the ACK of the `friend.removed` event that ended the friendship, without which its
   * sender would wait for it for ever.
   */
  #closeSoon(session: LiveSession, reason: string): void {
    if (this.#closing.has(session)) return;
    const timer = setTimeout(() => {
      this.#closing.delete(session);
      if (this.#byPeer.get(session.peer) === session) session.close(reason);
    }, FRIEND_REMOVED_GRACE_MS);
    timer.unref();
    this.#closing.set(session, timer);
  }

  /** Close every session that runs over `via` (its socket is going away). */
  closeSessionsOn(via: SessionSocketPort, reason: string): void {
    for (const session of [...this.#byPeer.values()]) if (session.via === via) session.close(reason);
  }

  /** Live sessions over `via`. */
  sessionsOn(via: SessionSocketPort): LiveSession[] {
    return [...this.#byPeer.values()].filter((session) => session.via === via);
  }

  /** Keepalives, idle timeouts, rekeys, expiry of half-open handshakes and of old keys. */
  tick(now = Date.now()): void {
    for (const session of [...this.#byPeer.values()]) {
      if (now - session.lastReceivedAt >= IDLE_TIMEOUT_MS) {
        session.close('idle-timeout');
        continue;
      }
      if (now - session.lastSentAt >= KEEPALIVE_MS) session.sendKeepalive();
      const old = session.expirePrevious(now);
      if (old !== undefined && this.#byIndex.get(old) === session) this.#byIndex.delete(old);
      if (session.initiator && now - session.keysAt >= this.#rekeyAfterMs) this.#rekey(session, now);
    }
    for (const [index, pending] of this.#responses) {
      if (now - pending.createdAt > PENDING_HANDSHAKE_MS) {
        this.#responses.delete(index);
        if (this.#responsesByPeer.get(pending.entry.peer) === pending) this.#responsesByPeer.delete(pending.entry.peer);
      }
    }
    for (const initiation of [...this.#initiations.values()]) {
      if (now - initiation.createdAt > PENDING_HANDSHAKE_MS * 3) this.abandon(initiation.entry.peer);
    }
    this.#handshakes.keepOnly((peer) => this.#keyring.get(peer) !== undefined);
  }

  /** Close every session (lock, persona switch, shutdown) and stop the timer. */
  stop(reason: string): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const timer of this.#closing.values()) clearTimeout(timer);
    this.#closing.clear();
    for (const session of [...this.#byPeer.values()]) session.close(reason);
    this.#initiations.clear();
    this.#initiationsByIndex.clear();
    this.#responses.clear();
    this.#responsesByPeer.clear();
    this.#rekeys.clear();
    this.#handshakes.clear();
    this.#opened.dispose();
  }

  // SessionHost
  transmit(data: Buffer, to: Endpoint): void {
    this.#port.send(data, to);
  }

  /** The SessionHost of sessions over `via`: their datagrams leave through that socket. */
  #hostFor(via: SessionSocketPort): SessionHost {
    if (via === this.#main) return this;
    return { transmit: (data, to) => via.send(data, to), forget: (session, reason) => this.forget(session, reason) };
  }

  forget(session: LiveSession, reason: string): void {
    for (const index of session.indices()) if (this.#byIndex.get(index) === session) this.#byIndex.delete(index);
    if (this.#byPeer.get(session.peer) === session) this.#byPeer.delete(session.peer);
    const rekey = this.#rekeys.get(session.peer);
    if (rekey?.rekeyOf === session) {
      this.#rekeys.delete(session.peer);
      this.#initiationsByIndex.delete(rekey.index);
    }
    session.via.sessionClosed?.(session);
    this.#events.onClose?.(session, reason);
  }

  #onData(data: Buffer, from: Endpoint, via: SessionSocketPort): void {
    const counters = via.counters;
    if (data.length < 6) return counters.reject('data-bad-length');
    const index = data.readUInt32BE(2);
    const session = this.#byIndex.get(index);
    if (session) {
      if (session.via !== via) return counters.reject('data-wrong-socket');
      const reason = session.receive(data, from);
      return reason ? counters.reject(reason) : counters.accept();
    }
    const pending = this.#responses.get(index);
    if (!pending) return counters.reject(data.length > MAX_DATAGRAM ? 'data-oversize' : 'data-unknown-index');
    if (pending.via !== via) return counters.reject('data-wrong-socket');
    // Nothing is authenticated yet: a handshake's datagrams never exceed the base size.
    if (!pending.rekeyOf && data.length > MAX_DATAGRAM) return counters.reject('data-oversize');
    if (pending.rekeyOf) {
      // A rekey is confirmed by the first packet under the new keys: the session keeps going.
      const session = pending.rekeyOf;
      if (session.closed) return counters.reject('data-closed-session');
      const rekeyed = session.receiveWithNewKeys(pending.keys, pending.index, pending.remoteIndex, data, from);
      if (rekeyed) return counters.reject(rekeyed);
      counters.accept();
      this.#responses.delete(index);
      if (this.#responsesByPeer.get(pending.entry.peer) === pending) this.#responsesByPeer.delete(pending.entry.peer);
      if (!session.closed) this.#byIndex.set(pending.index, session);
      return;
    }
    // The initiator's first transport packet confirms the handshake: only now is the session open.
    const candidate = new LiveSession({
      peer: pending.entry.peer, peerId: pending.peerId, remote: from, keys: pending.keys,
      localIndex: pending.index, remoteIndex: pending.remoteIndex, host: this.#hostFor(via), initiator: false, via,
      opening: via === this.#main ? undefined : { rung: 'listener', handshakeMs: null, stages: [] },
      // The initiator confirms as soon as it reads our first HELLO-ACK: one round trip after we sent it.
      handshakeRttMs: Date.now() - pending.createdAt,
    });
    const reason = candidate.receive(data, from);
    if (reason) return counters.reject(reason);
    counters.accept();
    this.#responses.delete(index);
    this.#responsesByPeer.delete(pending.entry.peer);
    this.#open(candidate);
  }

  #onHello(data: Buffer, from: Endpoint, via: SessionSocketPort): void {
    const counters = via.counters;
    if (this.#stopped) return counters.reject('hello-stopped');
    // After its window a listener only takes rekeys of the sessions it still carries.
    if (!via.takesHandshakes && !this.#carries(via)) return counters.reject('hello-window-ended');
    const decoded = decodeHello(data);
    if (!decoded.ok) return counters.reject(decoded.reason);
    const { senderIndex, hint, noise } = decoded.value;
    const ephemeral = noise.subarray(0, 32);
    const lookups = Math.max(1, this.#keyring.size);
    if (!this.#hmacShares.take(from.address, lookups)) return counters.reject('hello-source-rate-limited');
    if (!this.#hmacBudget.take(lookups)) return counters.reject('hello-rate-limited');
    const entry = this.#keyring.findByHelloHint(ephemeral, hint);
    if (!entry) return counters.reject('hello-unknown-peer');
    if (via.accepts && !via.accepts(entry.peer)) return counters.reject('hello-not-allowed');
    const ephemeralHex = ephemeral.toString('hex');
    const pending = this.#responsesByPeer.get(entry.peer);
    if (pending && pending.ephemeralHex === ephemeralHex && pending.remoteIndex === senderIndex) {
      // Another HELLO of the same burst: the ACK may have been lost or the hole was not open yet.
      if (pending.answers >= MAX_ACK_RESENDS) return counters.reject('hello-duplicate');
      if (pending.via !== via) return counters.reject('hello-duplicate');
      pending.answers++;
      counters.accept();
      return via.send(pending.ack, from);
    }
    const mine = this.#initiations.get(entry.peer);
    if (mine && this.#keyring.persona.info.masterPublicKey < entry.peer) {
      // Both sides are punching: the lower master key initiates, so we ignore theirs, but aim our
      // HELLO at where theirs came from too (their NAT may map differently than STUN saw).
      via.send(mine.packet, from);
      return counters.reject('hello-collision');
    }
    // A copy of a HELLO already read (whatever sender index it was given) costs no crypto again.
    if (this.#handshakes.seen(entry.peer, ephemeralHex)) return counters.reject('hello-repeated-key');
    // Each new session replaces the live one and rebuilds its bus channel: a few at once, then one
    // every 2 s. Checked before the DH; only an authenticated, fresh HELLO spends the budget.
    if (!this.#handshakes.mayOpen(entry.peer)) return counters.reject('hello-too-often');
    if (!this.#helloBudget.take()) return counters.reject('hello-rate-limited');
    const responder = kkRespond({ localStatic: entry.localStatic, remoteStatic: entry.remoteStatic, message: noise });
    if (!responder) return counters.reject('hello-auth-failed');
    this.#handshakes.remember(entry.peer, ephemeralHex);
    const payload = decodeHelloPayload(responder.payload);
    if (!payload) return counters.reject('hello-bad-payload');
    const last = this.#lastHelloTs.get(entry.peer) ?? 0;
    if (payload.timestampMs <= last) return counters.reject('hello-replayed');
    if (Math.abs(payload.timestampMs - Date.now()) > HELLO_FRESHNESS_MS) return counters.reject('hello-stale');
    let rekeyOf: LiveSession | undefined;
    if (payload.rekeyTag) {
      rekeyOf = this.#byPeer.get(entry.peer);
      if (!rekeyOf || !rekeyOf.matchesRekeyTag(payload.rekeyTag)) return counters.reject('hello-bad-rekey');
      if (rekeyOf.via !== via) return counters.reject('hello-wrong-socket');
    }
    if (!rekeyOf && !via.takesHandshakes) return counters.reject('hello-window-ended');
    if (!rekeyOf) this.#handshakes.opened(entry.peer);
    this.#lastHelloTs.set(entry.peer, payload.timestampMs);
    const index = this.#freeIndex();
    const answer = responder.answer(encodeAckPayload(this.#keyring.persona.info.peerId));
    const ack = encodeHelloAck(index, senderIndex, answer.message);
    if (pending) this.#responses.delete(pending.index);
    const response: PendingResponse = {
      via, from, entry, index, remoteIndex: senderIndex, keys: answer.keys, peerId: payload.peerId, timestampMs: payload.timestampMs,
      ephemeralHex, ack, createdAt: Date.now(), answers: 0, ...(rekeyOf ? { rekeyOf } : {}),
    };
    this.#responses.set(index, response);
    this.#responsesByPeer.set(entry.peer, response);
    counters.accept();
    via.send(ack, from);
  }

  #onHelloAck(data: Buffer, from: Endpoint, via: SessionSocketPort): void {
    const counters = via.counters;
    const decoded = decodeHelloAck(data);
    if (!decoded.ok) return counters.reject(decoded.reason);
    const initiation = this.#initiationsByIndex.get(decoded.value.receiverIndex);
    if (!initiation) return counters.reject('ack-unknown-index');
    if (initiation.rekeyOf ? initiation.rekeyOf.via !== via : !via.takesHandshakes) return counters.reject('ack-window-ended');
    if (!initiation.rekeyOf && via.accepts && !via.accepts(initiation.entry.peer)) return counters.reject('ack-not-allowed');
    if (!this.#ackShares.take(from.address)) return counters.reject('ack-source-rate-limited');
    if (!this.#ackBudget.take()) return counters.reject('ack-rate-limited');
    const result = initiation.kk.readMessage2(decoded.value.noise);
    if (!result) return counters.reject('ack-auth-failed');
    const peerId = decodeAckPayload(result.payload);
    if (peerId === undefined) return counters.reject('ack-bad-payload');
    counters.accept();
    if (initiation.rekeyOf) {
      const session = initiation.rekeyOf;
      this.#rekeys.delete(session.peer);
      this.#initiationsByIndex.delete(initiation.index);
      if (session.closed) return;
      session.adopt(result.keys, initiation.index, decoded.value.senderIndex);
      this.#byIndex.set(initiation.index, session);
      session.sendKeepalive(); // the first packet under the new keys confirms them to the peer
      return;
    }
    this.abandon(initiation.entry.peer);
    const session = new LiveSession({
      peer: initiation.entry.peer, peerId, remote: from, keys: result.keys,
      localIndex: initiation.index, remoteIndex: decoded.value.senderIndex, host: this.#hostFor(via), initiator: true, via,
      opening: {
        rung: via === this.#main ? 'unknown' : 'listener', handshakeMs: Date.now() - initiation.createdAt, stages: [],
      },
      handshakeRttMs: initiation.sends === 1 ? Date.now() - initiation.createdAt : null,
    });
    session.sendKeepalive(); // confirms the handshake to the responder
    this.#open(session);
  }

  #onBeacon(data: Buffer, from: Endpoint): void {
    const counters = this.#port.counters;
    const decoded = decodeBeacon(data);
    if (!decoded.ok) return counters.reject(decoded.reason);
    const lookups = Math.max(1, this.#keyring.size);
    if (!this.#beaconShares.take(from.address)) return counters.reject('beacon-source-rate-limited');
    if (!this.#beaconBudget.take() || !this.#hmacShares.take(from.address, lookups) || !this.#hmacBudget.take(lookups)) {
      return counters.reject('beacon-rate-limited');
    }
    const entry = this.#keyring.findByBeaconHint(decoded.value.nonce, decoded.value.port, decoded.value.hint);
    if (!entry) return counters.reject('beacon-unknown-peer');
    counters.accept();
    this.#events.onBeacon?.(entry, { ...from, port: decoded.value.port });
  }

  #open(session: LiveSession): void {
    const previous = this.#byPeer.get(session.peer);
    if (previous) previous.close('replaced');
    this.abandon(session.peer);
    this.#byIndex.set(session.localIndex, session);
    this.#byPeer.set(session.peer, session);
    session.onHeartbeat(() => this.#events.onHeartbeat?.(session));
    session.via.sessionOpened?.(session);
    this.#events.onOpen?.(session);
    this.#opened.fire(session);
  }

  /** Start (or repeat) the rekey handshake of a live session we initiated. */
  #rekey(session: LiveSession, now: number): void {
    let rekey = this.#rekeys.get(session.peer);
    if (rekey && now - rekey.createdAt > PENDING_HANDSHAKE_MS) {
      this.#initiationsByIndex.delete(rekey.index);
      rekey = undefined; // lost: try again with a fresh handshake
    }
    if (!rekey) {
      const entry = this.#keyring.get(session.peer);
      if (!entry) return;
      const kk = kkInitiate({
        localStatic: entry.localStatic,
        remoteStatic: entry.remoteStatic,
        payload: encodeHelloPayload(Date.now(), this.#keyring.persona.info.peerId, session.rekeyTag()),
      });
      const index = this.#freeIndex();
      const hint = helloHint(entry.hintKey, this.#keyring.persona.masterPublicKey, kk.ephemeral.publicKey);
      rekey = { entry, index, kk, packet: encodeHello(index, hint, kk.message), createdAt: now, sends: 0, rekeyOf: session };
      this.#rekeys.set(session.peer, rekey);
      this.#initiationsByIndex.set(index, rekey);
    }
    session.via.send(rekey.packet, session.remote);
  }

  #carries(via: SessionSocketPort): boolean {
    for (const session of this.#byPeer.values()) if (session.via === via) return true;
    return false;
  }

  #freeIndex(): number {
    for (;;) {
      const index = randomBytes(4).readUInt32BE(0);
      if (!this.#byIndex.has(index) && !this.#responses.has(index) && !this.#initiationsByIndex.has(index)) return index;
    }
  }
}
