import { randomUUID } from 'node:crypto';
import type Sqlite from 'better-sqlite3';
import {
  Disposable, EventEmitter, KithError, MAX_REFUSAL_LENGTH, isBuiltinKind, isEventRefused, isKithError,
  type EventHeader, type InboundEvent, type KindHandler, type KindOptions, type PeerCapabilities,
  type PeerKey, type SendOptions, type SendReceipt, type SessionClosed, type SessionInfo, type StreamId,
} from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import type { PersonaGate } from '../core/persona-gate.js';
import type { SessionLink, SessionLinks } from '../core/session-link.js';
import { openBytes, sealBytes } from '../storage/sealing.js';
import type { HostWrites } from '../storage/host-writes.js';
import { FLAG_EOS, FLAG_KEYFRAME, FLAG_WANTS_ACK, FRAME_FIXED_BYTES } from './wire/event-frame.js';
import { decodeHeader, encodeHeader } from './wire/header-cbor.js';
import { CAPABILITIES_VERSION, type CapabilitiesHeader } from './wire/control-headers.js';
import { OutboundStore, PRIORITY_RANK, type OutboundRow } from './outbound-store.js';
import { InboundMarks } from './inbound-marks.js';
import { LocalKindBytes } from './kind-bytes.js';
import { PeerChannel } from './peer-channel.js';
import { maxEventBytes } from './fragments.js';
import { assertOwnsKind } from './kind-ownership.js';
import { StreamOwnership } from './stream-ownership.js';
import { KindHandlers } from './kind-handlers.js';
import { nackMessage } from './nack-messages.js';
import { streamIdBytes } from './stream-ids.js';
import type { BusHooks, BusLog, ChannelHost, InboundDispatch } from './channel-host.js';
import { InboundStream, NOT_YET, REORDER_BYTES, REORDER_BYTES_PER_PEER, ReorderBudget, type Refusal } from './inbound-streams.js';
import { diskFullOr, isDiskFull } from '../storage/disk-full.js';
import { DeliveryReports, type ExtensionReports, type Outcome } from './delivery-reports.js';
import { BusPeerTags } from './peer-tags.js';
import { tagged } from './outbound-flow.js';

/**
 * Payload size events are checked against (sessions offer 1201 at the base size). Larger
 * datagrams a path MTU probe confirmed do not raise it: an event accepted now must still fit 64
 * fragments after the session falls back to the base size, or after a restart.
 */
const DEFAULT_MAX_PAYLOAD = 1200;
/** A full disk is logged at most this often. */
const DISK_FULL_LOG_EVERY_MS = 10_000;
/** What every session carries, whatever its path (1232-byte datagrams). */
const BASE_MAX_PAYLOAD = 1201;
const PEER_KEY = /^[0-9a-f]{64}$/;
const MAX_INBOUND_STREAMS = 4096;
const FRESH_CACHE_MAX = 1024;
const UNRELIABLE_NACK_INTERVAL_MS = 5000;
/** Longest correlation tag `send` accepts (it is stored with every queued event). */
export const MAX_SEND_TAG_LENGTH = 128;
/** NACK reason of an event a handler refused with `EventRefused`; the message is the extension's. */
export const REFUSED_BY_HANDLER = 'refused';
/** Codes a handler meets when its run is being stopped (lock, persona switch, extension off). */
const STOPPING_CODES = new Set(['KITH_ERR_LOCKED', 'KITH_ERR_CONTEXT_REVOKED']);
/**
 * For this long after a persona becomes active its extensions may still be activating: a durable
 * event whose kind has no handler yet is left unacknowledged (retransmitted later) instead of
 * being refused, so messages queued while we were away are not bounced by a race at unlock.
 */
export const ACTIVATION_GRACE_MS = 5000;

export interface BusEngineOptions {
  readonly sqlite: Sqlite.Database;
  /**
   * The connection's write rules: the database's one instance, which extension transactions
   * register with (a second instance would neither preempt them nor be let through first).
   */
  readonly writes: HostWrites;
  readonly gate: PersonaGate;
  readonly log: BusLog;
  /** UI events (`bus:nack`, `bus:session`); the host passes kernel.ui. */
  readonly ui?: { emit(name: string, payload: unknown): void };
  readonly hooks?: BusHooks;
  /**
   * Grace after a persona becomes active (receiver: unhandled durable kinds are not refused yet)
   * and after a session becomes ready (sender: unannounced third-party kinds wait for a
   * capabilities update). Default {@link ACTIVATION_GRACE_MS}.
   */
  readonly graceMs?: number;
  /**
   * Whether `peer` is a friend of the active persona. Asked only when a reliable send would be
   * queued with no session: an event for someone who is not a friend could never leave, so it
   * is refused (`KITH_ERR_NOT_FOUND`) instead of filling the queue. Without it, every peer is taken.
   */
  readonly isFriend?: (peer: PeerKey) => Promise<boolean>;
}

/**
 * The event-stream bus of the active persona: kind handlers, one {@link PeerChannel} per live
 * session link, the sealed outbound queue, delivery reports per extension. Built once by the bus
 * area; providers hand extensions scoped views of it.
 */
export class BusEngine implements ChannelHost {
  readonly store: OutboundStore;
  readonly marks: InboundMarks;
  /** The rules for the bus's own writes on the connection extensions share (storage/host-writes.ts). */
  readonly writes: HostWrites;
  kindBytes = new LocalKindBytes();
  readonly hooks: BusHooks | undefined;
  readonly log: BusLog;
  /** When a full disk was last logged (each retransmit would log it again). */
  #diskFullLoggedAt = -Infinity;
  readonly graceMs: number;
  /** Out-of-order events held across all sessions: at most 32 MiB, and 8 MiB per friend. */
  readonly reorderBudget = new ReorderBudget(REORDER_BYTES);
  readonly #peerBudgets = new Map<string, ReorderBudget>();
  readonly #gate: PersonaGate;
  readonly #isFriend: BusEngineOptions['isFriend'];
  readonly #ui: BusEngineOptions['ui'];
  readonly #channels = new Map<PeerKey, PeerChannel>();
  readonly #streams = new StreamOwnership();
  readonly #handlers = new KindHandlers(this.#streams);
  readonly #extensions = new Map<string, { version: string; users: number }>();
  readonly #reports: DeliveryReports;
  readonly #peerTags: BusPeerTags;
  readonly #fresh = new Map<number, { header: Uint8Array; payload: Uint8Array }>();
  readonly #unreliableNacks = new Map<string, number>();
  readonly #durableInbound = new Map<string, InboundStream>();
  readonly #ownedKinds = new WeakMap<ExtensionScope, Set<string>>();
  readonly #opened = new EventEmitter<SessionInfo>();
  readonly #closedSessions = new EventEmitter<SessionClosed>();
  readonly #capabilitiesOfPeers = new EventEmitter<PeerCapabilities>();
  /** Inbound events each extension's handlers refused with `EventRefused` (diagnostics, tests). */
  readonly refusedByHandlers = new Map<string, number>();
  /**
   * Whether an extension turned on for the active persona owns `kind`, running or not (set by the
   * extension area; asked only for an inbound kind no handler takes).
   */
  expectsKind: (kind: string) => boolean = () => false;
  #capsRev = 0;
  #capsScheduled = false;
  #personaKey: string | undefined;
  #activeSince = 0;

  readonly onDidOpen = this.#opened.event;
  readonly onDidClose = this.#closedSessions.event;
  readonly onDidChangeCapabilities = this.#capabilitiesOfPeers.event;

  constructor(options: BusEngineOptions) {
    this.#peerTags = new BusPeerTags(options.sqlite, () => {
      const active = options.gate.active;
      return active && { persona: active.info.masterPublicKey, atRestKey: active.atRestKey };
    });
    const tagOf = (persona: string, peer: string) => this.#peerTags.tag(persona, peer);
    this.writes = options.writes;
    this.store = new OutboundStore(options.sqlite, tagOf);
    this.marks = new InboundMarks(options.sqlite, tagOf);
    this.#gate = options.gate;
    this.#isFriend = options.isFriend;
    this.#ui = options.ui;
    this.log = options.log;
    this.hooks = options.hooks;
    this.graceMs = options.graceMs ?? ACTIVATION_GRACE_MS;
    this.#reports = new DeliveryReports({
      sqlite: options.sqlite,
      writes: this.writes,
      persona: () => this.#personaKey,
      atRestKey: () => this.#atRestKey(),
      log: options.log,
      onNack: (extensionId, report) => this.#ui?.emit('bus:nack', { ...report, extension: extensionId }),
    });
    this.#personaKey = options.gate.active?.info.masterPublicKey;
    this.#streams.reset(this.#personaKey);
    this.#activeSince = performance.now();
    this.#peerTags.adopt();
    options.gate.onDidChangeActive((active) => this.#onPersona(active?.info.masterPublicKey));
    // Rows a previous run queued may have reached only the kernel before it ended.
    this.#sendOnceDurable(this.store.lastId());
  }

  /** Hex master public key of the active persona; throws `KITH_ERR_LOCKED` while locked. */
  get persona(): string {
    if (!this.#personaKey) throw new KithError('KITH_ERR_LOCKED');
    return this.#personaKey;
  }

  // ------------------------------------------------------------------------------------------
  // Sessions
  // ------------------------------------------------------------------------------------------

  /** Follow the net layer's links: attach every open one and every one that opens later. */
  attachLinks(links: SessionLinks): Disposable {
    for (const link of links.all) this.attach(link);
    return links.onDidOpen((link) => this.attach(link));
  }

  /** Run the bus inside `link` (a second link with the same peer replaces the first). */
  attach(link: SessionLink): void {
    if (!this.#personaKey) return;
    this.#channels.get(link.peer)?.link.close('replaced');
    const channel = new PeerChannel(link, this);
    this.#channels.set(link.peer, channel);
    const received = link.onDidReceive((datagram) => channel.onDatagram(datagram));
    const closed = link.onDidClose((reason) => {
      received.dispose();
      closed.dispose();
      this.#detach(channel, reason);
    });
    channel.sendCapabilities();
  }

  #detach(channel: PeerChannel, reason: string): void {
    const wasReady = channel.ready && !channel.closed;
    channel.close();
    if (this.#channels.get(channel.peer) === channel) {
      this.#channels.delete(channel.peer);
      this.#dropHeldOf(channel.peer);
    }
    if (wasReady) {
      const closed = { session: this.sessionInfo(channel), reason };
      this.#closedSessions.fire(closed);
      this.#ui?.emit('bus:session', { peer: channel.peer, state: 'closed', reason });
    }
  }

  /** Live, capability-exchanged sessions. */
  get sessions(): SessionInfo[] {
    return [...this.#channels.values()].filter((c) => c.ready && !c.closed).map((c) => this.sessionInfo(c));
  }

  session(peer: PeerKey): SessionInfo | undefined {
    const channel = this.#channels.get(peer);
    return channel?.ready && !channel.closed ? this.sessionInfo(channel) : undefined;
  }

  channel(peer: PeerKey): PeerChannel | undefined {
    return this.#channels.get(peer);
  }

  sessionInfo(channel: PeerChannel): SessionInfo {
    const { link } = channel;
    return {
      peer: link.peer, peerId: link.peerId, path: link.path, remote: link.remote, openedAt: link.openedAt,
      peerExtensions: { ...(channel.peerCapabilities?.ext ?? {}) },
    };
  }

  /** Resolves with the session once `peer`'s capabilities arrived (used by connect). */
  whenReady(peer: PeerKey, timeoutMs: number): Promise<SessionInfo> {
    const now = this.session(peer);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new KithError('KITH_ERR_TIMEOUT', 'The session opened but the bus handshake did not finish'));
      }, timeoutMs);
      const sub = this.onDidOpen((info) => {
        if (info.peer !== peer) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(info);
      });
    });
  }

  durableInbound(peer: string, streamHex: string): InboundStream {
    const key = `${peer}:${streamHex}`;
    let state = this.#durableInbound.get(key);
    if (!state) {
      if (this.#durableInbound.size >= MAX_INBOUND_STREAMS) this.#evictInbound();
      state = new InboundStream(this.marks.get(this.persona, peer, streamHex), this.reorderBudgetFor(peer));
      state.restoreRefusals(this.marks.refusals(this.persona, peer, streamHex));
      this.#durableInbound.set(key, state);
    }
    return state;
  }

  /** The share of the reorder budget one friend's sessions may hold. */
  reorderBudgetFor(peer: string): ReorderBudget {
    let budget = this.#peerBudgets.get(peer);
    if (!budget) this.#peerBudgets.set(peer, (budget = new ReorderBudget(REORDER_BYTES_PER_PEER, this.reorderBudget)));
    return budget;
  }

  /**
   * A friend's session ended: drop the out-of-order events its durable streams hold. None was
   * acknowledged (ACKs are cumulative), so the sender sends them again in the next session;
   * kept, a friend could leave its share of the budget full for as long as the host runs.
   */
  #dropHeldOf(peer: string): void {
    const prefix = `${peer}:`;
    for (const [key, state] of this.#durableInbound) {
      if (!key.startsWith(prefix)) continue;
      state.clear();
      if (state.idle) this.#durableInbound.delete(key);
    }
  }

  #evictInbound(): void {
    for (const [key, state] of this.#durableInbound) {
      if (state.idle) {
        this.#durableInbound.delete(key);
        return;
      }
    }
  }

  resumeInbound(peer: string, streamHex: string): void {
    const channel = this.#channels.get(peer);
    if (channel && !channel.closed) channel.resumeDurable(streamHex);
  }

  ready(channel: PeerChannel): void {
    const info = this.sessionInfo(channel);
    this.#opened.fire(info);
    this.#ui?.emit('bus:session', { peer: info.peer, state: 'open', peerExtensions: info.peerExtensions });
  }

  capabilitiesChanged(channel: PeerChannel, previous: CapabilitiesHeader): void {
    const now = channel.peerCapabilities;
    if (!now || channel.closed) return;
    const sameKinds = now.on.length === previous.on.length && now.on.every((kind, i) => previous.on[i] === kind);
    const sameExtensions = JSON.stringify(Object.entries(now.ext).sort()) === JSON.stringify(Object.entries(previous.ext).sort());
    if (sameKinds && sameExtensions) return;
    this.#capabilitiesOfPeers.fire({ peer: channel.peer, kinds: [...now.on].sort(), extensions: { ...now.ext } });
  }

  // ------------------------------------------------------------------------------------------
  // Extensions, kinds, capabilities
  // ------------------------------------------------------------------------------------------

  /** An extension is active for the persona (listed in capabilities until disposed). */
  addExtension(scope: ExtensionScope): Disposable {
    const { id, version } = scope.extension;
    const entry = this.#extensions.get(id) ?? { version, users: 0 };
    entry.users++;
    this.#extensions.set(id, entry);
    this.#streams.know(id);
    this.#capabilitiesChanged();
    return new Disposable(() => {
      if (--entry.users === 0) this.#extensions.delete(id);
      this.#capabilitiesChanged();
    });
  }

  register(scope: ExtensionScope, kind: string, handler: KindHandler, options: KindOptions = {}): Disposable {
    const registration = this.#handlers.add(scope, kind, handler, options);
    if (!isBuiltinKind(kind)) this.kindBytes.assign(kind);
    this.#capabilitiesChanged();
    return new Disposable(() => {
      registration.dispose();
      this.#capabilitiesChanged();
    });
  }

  capabilities(): CapabilitiesHeader {
    const ext: Record<string, string> = {};
    for (const [id, { version }] of this.#extensions) ext[id] = version;
    const on = this.#handlers.kinds();
    return { v: CAPABILITIES_VERSION, rev: this.#capsRev, ext, kinds: this.kindBytes.toRecord(), on };
  }

  #capabilitiesChanged(): void {
    if (this.#capsScheduled) return;
    this.#capsScheduled = true;
    setImmediate(() => {
      this.#capsScheduled = false;
      this.#capsRev++;
      for (const channel of this.#channels.values()) channel.sendCapabilities();
    });
  }

  // ------------------------------------------------------------------------------------------
  // Inbound dispatch
  // ------------------------------------------------------------------------------------------

  dispatch(channel: PeerChannel, event: InboundDispatch): Refusal | undefined | Promise<Refusal | undefined> {
    const { kind, header, frame, streamHex } = event;
    const purpose = kind === 'stream.open' && typeof header.purpose === 'string' ? header.purpose : undefined;
    const registration = this.#handlers.find(channel.peer, streamHex, kind, purpose);
    if (!registration) {
      // Just activated (handlers may still be registering), or owned by an extension that is on
      // but not running now (restarting after a crash, waiting for a dependency): a durable event
      // waits for it, as for a locked host, instead of being refused as if it were turned off.
      if (event.reliable && !event.volatile && (performance.now() - this.#activeSince < this.graceMs || this.expectsKind(kind))) return NOT_YET;
      const refusal = { reason: 'kind-disabled', message: nackMessage('kind-disabled', kind, purpose) };
      if (!event.reliable) this.#nackUnreliable(channel, streamHex, frame.seq, kind, refusal);
      return refusal;
    }
    if (this.#streams.claim(channel.peer, streamHex, registration.scope.extension.id) !== registration.scope.extension.id) {
      // Another extension's stream: its order is not this handler's to hold up, nor its events to feed.
      const refusal = { reason: 'stream-not-owned', message: nackMessage('stream-not-owned', kind, purpose) };
      if (!event.reliable) this.#nackUnreliable(channel, streamHex, frame.seq, kind, refusal);
      return refusal;
    }
    const inbound: InboundEvent = {
      peer: channel.peer, peerId: channel.link.peerId, stream: streamHex, seq: frame.seq, kind,
      flags: { eos: (frame.flags & FLAG_EOS) !== 0, keyframe: (frame.flags & FLAG_KEYFRAME) !== 0, wantsAck: (frame.flags & FLAG_WANTS_ACK) !== 0 },
      header, payload: frame.payload,
    };
    // No closures on the synchronous path: it runs once per event, thousands of times a second.
    let result: unknown;
    try {
      result = registration.handler(inbound);
    } catch (error) {
      return this.#handlerFailed(registration.scope, error, kind, purpose);
    }
    if (result && typeof (result as PromiseLike<void>).then === 'function') {
      return Promise.resolve(result).then(
        () => undefined,
        (error: unknown) => this.#handlerFailed(registration.scope, error, kind, purpose),
      );
    }
    return undefined;
  }

  /** A full disk is logged at most every DISK_FULL_LOG_EVERY_MS: every ACK or event would log it again. */
  #diskFull(fields: Record<string, unknown>, message: string): void {
    const now = performance.now();
    if (now - this.#diskFullLoggedAt <= DISK_FULL_LOG_EVERY_MS) return;
    this.#diskFullLoggedAt = now;
    this.log.error(fields, message);
  }

  #handlerFailed(scope: ExtensionScope, error: unknown, kind: string, purpose: string | undefined): Refusal {
    // The disk is full: the event stays unconsumed and unacknowledged, the sender keeps it and
    // sends it again, and it is taken once there is room. Neither refused nor the extension's fault.
    if (isDiskFull(error)) {
      this.#diskFull({ extension: scope.extension.id, kind }, 'bus: the disk is full; inbound events wait, their senders send them again');
      return NOT_YET;
    }
    // Locked, or this run of the extension stopped under the handler: not the event's fault nor
    // the extension's. It stays unacknowledged; the sender sends it again to the next run.
    if (isKithError(error) && STOPPING_CODES.has(error.code)) return NOT_YET;
    if (isEventRefused(error) || isKithError(error)) {
      // The extension's own verdict on this one event (EventRefused), or an expected failure the
      // host or the extension named (a KithError: a blob deleted meanwhile, its own catalogue
      // code), as a route's KithError answers its client: it keeps running. The sender reads the
      // refusal's words, or only a KithError's code (its message was written for the local user).
      const id = scope.extension.id;
      this.refusedByHandlers.set(id, (this.refusedByHandlers.get(id) ?? 0) + 1);
      const why = isEventRefused(error) ? error.reason : error.code;
      const message = String(why).slice(0, MAX_REFUSAL_LENGTH) || REFUSED_BY_HANDLER;
      return { reason: REFUSED_BY_HANDLER, message };
    }
    scope.fault(error);
    return { reason: 'handler-failed', message: nackMessage('handler-failed', kind, purpose) };
  }

  #nackUnreliable(channel: PeerChannel, streamHex: string, seq: number, kind: string, refusal: Refusal): void {
    const key = `${channel.peer}:${kind}`;
    const now = Date.now();
    if (now - (this.#unreliableNacks.get(key) ?? 0) < UNRELIABLE_NACK_INTERVAL_MS) return;
    this.#unreliableNacks.set(key, now);
    channel.nackUnreliable(streamHex, seq, refusal.reason, refusal.message);
  }

  nackMessage(reason: string, kind: string, header: Uint8Array): string {
    let purpose: string | undefined;
    if (kind === 'stream.open') {
      try {
        const value = decodeHeader(header).purpose;
        if (typeof value === 'string') purpose = value;
      } catch {
        // our own header: cannot fail
      }
    }
    return nackMessage(reason, kind, purpose);
  }

  // ------------------------------------------------------------------------------------------
  // Outbound
  // ------------------------------------------------------------------------------------------

  async send(
    scope: ExtensionScope, peer: PeerKey, stream: StreamId, kind: string, header: EventHeader,
    payload: Uint8Array = new Uint8Array(0), options: SendOptions = {},
  ): Promise<SendReceipt> {
    this.#assertSendable(scope, kind);
    if (typeof peer !== 'string' || !PEER_KEY.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'A peer key is 64 lowercase hex characters');
    const streamBytes = streamIdBytes(stream);
    if (!(payload instanceof Uint8Array)) throw new KithError('KITH_ERR_BAD_REQUEST', 'The payload must be a Uint8Array');
    const tag = options.tag;
    if (tag !== undefined && (typeof tag !== 'string' || tag.length > MAX_SEND_TAG_LENGTH)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `A send tag is a string of at most ${MAX_SEND_TAG_LENGTH} characters`);
    }
    const priority = options.priority ?? 'interactive';
    if (!(priority in PRIORITY_RANK)) throw new KithError('KITH_ERR_BAD_REQUEST', `Unknown priority ${String(priority)}`);
    const headerBytes = encodeHeader(header ?? {});
    // Only a friend's events are ever sent; with no session to prove it, the friend list says.
    const queueing = options.reliable !== false && priority !== 'bulk' && !this.#channels.has(peer);
    if (queueing && this.#isFriend && !(await this.#isFriend(peer))) {
      throw new KithError('KITH_ERR_NOT_FOUND', 'That peer is not a friend of this persona: nothing can be sent to it');
    }
    const persona = this.persona;
    const channel = this.#channels.get(peer);
    const limit = maxEventBytes(Math.min(channel?.link.maxPayload ?? DEFAULT_MAX_PAYLOAD, BASE_MAX_PAYLOAD));
    if (FRAME_FIXED_BYTES + headerBytes.length + payload.length > limit) {
      throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `An event is at most ${limit} bytes (header + payload + 25)`);
    }
    const flags = (options.eos ? FLAG_EOS : 0) | (options.keyframe ? FLAG_KEYFRAME : 0);
    const eventId = randomUUID();
    const extensionId = scope.extension.id;
    this.#streams.assertMaySend(peer, stream, extensionId);
    const live = channel && channel.ready && !channel.closed ? channel : undefined;

    if (options.reliable === false) {
      const seq = live?.sendUnreliable(streamBytes, stream, kind, flags, priority, headerBytes, payload, extensionId);
      return { eventId, peer, stream, seq: seq ?? 0, queued: false, ...(seq === undefined ? { dropped: true } : {}) };
    }
    if (priority === 'bulk') {
      if (!live) throw new KithError('KITH_ERR_NO_SESSION', 'A bulk event needs a live session with the peer');
      if (!live.hasBulkRoom) await live.bulkRoom();
      if (live.closed) throw new KithError('KITH_ERR_NO_SESSION', 'The session closed');
      // The flow copies the payload before this returns (it may wait for the window).
      const seq = live.sendVolatile({
        stream: streamBytes, streamHex: stream, kind, flags, priority, header: headerBytes, payload,
        extensionId, eventId, ...tagged(tag),
      });
      return { eventId, peer, stream, seq, queued: false };
    }
    const packed = new Uint8Array(2 + headerBytes.length + payload.length);
    new DataView(packed.buffer).setUint16(0, headerBytes.length);
    packed.set(headerBytes, 2);
    packed.set(payload, 2 + headerBytes.length);
    const row = {
      peer, stream, kind, flags: flags | FLAG_WANTS_ACK, priority: PRIORITY_RANK[priority], extensionId, eventId,
      sealed: sealBytes(this.#atRestKey(), packed),
      tag: tag === undefined ? null : sealBytes(this.#atRestKey(), new TextEncoder().encode(tag)),
    };
    // A copy (Uint8Array's slice, even for a Buffer): the caller may reuse its payload buffer.
    const fresh = { header: headerBytes, payload: Uint8Array.prototype.slice.call(payload) };
    const enqueue = (): SendReceipt => {
      let stored: { id: number; seq: number };
      try {
        stored = this.store.enqueue(persona, row);
      } catch (error) {
        throw diskFullOr(error); // a full disk refuses this send; the extension is not at fault
      }
      const { id, seq } = stored;
      this.#fresh.set(id, fresh);
      if (this.#fresh.size > FRESH_CACHE_MAX) this.#fresh.delete(this.#fresh.keys().next().value as number);
      this.#sendOnceDurable(id);
      const ready = channel && channel.ready && !channel.closed ? channel : undefined;
      return { eventId, peer, stream, seq, queued: !ready };
    };
    // Not inside a transaction an extension holds open: its rollback would take the row and the seq.
    return this.writes.run(enqueue);
  }

  /** Ownership check, remembered per scope (manifests do not change while an extension runs). */
  #assertSendable(scope: ExtensionScope, kind: string): void {
    let checked = this.#ownedKinds.get(scope);
    if (checked?.has(kind)) return;
    assertOwnsKind(scope.extension, scope.manifest, kind);
    if (!checked) this.#ownedKinds.set(scope, (checked = new Set()));
    checked.add(kind);
  }

  openRow(row: OutboundRow): { header: Uint8Array; payload: Uint8Array } {
    const fresh = this.#fresh.get(row.id);
    if (fresh) {
      this.#fresh.delete(row.id);
      return fresh;
    }
    const packed = openBytes(this.#atRestKey(), row.sealed);
    if (packed.length < 2) throw new KithError('KITH_ERR_SEAL_INVALID', 'queued event too short');
    const headerLength = new DataView(packed.buffer, packed.byteOffset).getUint16(0);
    if (2 + headerLength > packed.length) throw new KithError('KITH_ERR_SEAL_INVALID', 'queued event header runs past its end');
    return { header: packed.subarray(2, 2 + headerLength), payload: packed.subarray(2 + headerLength) };
  }

  openTag(sealed: Uint8Array | null): string | undefined {
    if (!sealed) return undefined;
    try {
      return new TextDecoder().decode(openBytes(this.#atRestKey(), sealed));
    } catch (error) {
      this.log.error({ err: error }, 'bus: a queued event\'s tag could not be opened; reported without it');
      return undefined;
    }
  }

  #atRestKey(): Uint8Array {
    const active = this.#gate.active;
    if (!active) throw new KithError('KITH_ERR_LOCKED');
    return active.atRestKey;
  }

  // ------------------------------------------------------------------------------------------
  // Reports
  // ------------------------------------------------------------------------------------------

  /** The delivery report events of one extension (shared by its contexts); stored reports replay on subscription. */
  reportsFor(extensionId: string): ExtensionReports {
    return this.#reports.eventsFor(extensionId);
  }

  /**
   * Send-after-persist, the sender's half of ACK-after-persist: a queued event leaves only once
   * its row is on disk, so a friend never acts on an event (or on the state that made its sender
   * send it) that a power cut on the sender could take back. Rows of one moment share one WAL
   * sync on the thread pool (storage/wal-sync.ts); then every ready session sends what it may.
   */
  #sendOnceDurable(id: number): void {
    this.writes
      .durable()
      .then(
        () => {
          if (!this.store.markDurable(id)) return;
          for (const channel of this.#channels.values()) if (channel.ready && !channel.closed) channel.pumpDurable();
        },
        (error: unknown) => this.log.error({ err: error }, 'bus: syncing queued events failed; they wait for the next sync'),
      )
      // A pump's own write can fail (a full disk): the rows stay queued for the next pump, and
      // the failure is not left to escape as an unhandled rejection.
      .catch((error: unknown) => this.log.error({ err: error }, 'bus: sending durable events failed; they go with the next pump'));
  }

  settle(change: () => readonly Outcome[]): void {
    this.writes.soon(
      () => this.#reports.settle(change),
      (error) => {
        this.store.recount(); // the deletions it counted were rolled back
        if (!isDiskFull(error)) this.log.error({ err: error }, 'bus: settling queue rows failed');
        else this.#diskFull({}, 'bus: the disk is full; acknowledged rows stay queued and go again in the next session');
      },
    );
  }

  report(outcome: Outcome): void {
    this.#reports.live(outcome);
  }

  // ------------------------------------------------------------------------------------------
  // Lifetime
  // ------------------------------------------------------------------------------------------

  #onPersona(key: string | undefined): void {
    if (key === this.#personaKey) return;
    for (const channel of [...this.#channels.values()]) this.#detach(channel, 'locked');
    this.#personaKey = key;
    this.#activeSince = performance.now();
    this.#peerTags.adopt();
    this.marks.clearCache();
    for (const state of this.#durableInbound.values()) state.clear();
    this.#durableInbound.clear();
    this.#peerBudgets.clear();
    this.#streams.reset(key);
    this.#fresh.clear();
    this.kindBytes = new LocalKindBytes();
    for (const kind of this.#handlers.kinds()) {
      if (!isBuiltinKind(kind)) this.kindBytes.assign(kind);
    }
  }

  /**
   * `peer` is no longer a friend: nothing queued for it will ever be sent, and nothing it still
   * sends on an open session is taken. Its rows are deleted and each sender extension gets
   * `onDidFail` with reason `friend-removed`.
   */
  dropPeer(peer: PeerKey): void {
    // Its session closes shortly (net); until then it can deliver nothing more.
    this.#channels.get(peer)?.stopReceiving();
    const persona = this.#personaKey;
    if (!persona) return;
    this.settle(() =>
      this.store.deletePeer(persona, peer).map((row) => ({
        extensionId: row.extensionId, outcome: 'failed' as const,
        report: { eventId: row.eventId, ...tagged(this.openTag(row.tag)), peer, stream: row.stream, seq: row.seq, kind: row.kind, reason: 'friend-removed' },
      })),
    );
  }

  /** Close every channel (host shutdown); the queue keeps what is not acknowledged. */
  stop(): void {
    for (const channel of [...this.#channels.values()]) this.#detach(channel, 'shutdown');
  }
}
