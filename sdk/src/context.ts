/**
 * The API an extension sees. The host builds one {@link ExtensionContext} per extension and per
 * persona, so every call is attributed to the extension that made it: its log lines carry its id,
 * its storage sees only its own tables and the active persona's rows, its routes are mounted and
 * lock-gated for it, and everything it registers is disposed when it is turned off.
 *
 * Conventions:
 * - Every `register*` / `on*` / `provide` returns a {@link Disposable} and throws
 *   `KITH_ERR_DUPLICATE` on a duplicate id.
 * - Events are {@link Event}s.
 * - A member whose feature the running host does not provide throws `KITH_ERR_NOT_AVAILABLE`.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';
import type { Blobs } from './blobs.js';
import type { Disposable, DisposableLike } from './disposable.js';
import type { Event } from './event.js';
import type { Media } from './media.js';
import type { PageChannels } from './page-channel.js';
import type { ProposedApi } from './proposals.js';
import type { ServiceRef } from './service-ref.js';
import type { ConnectAttempt, DiagnosticsSnapshot, NetCounters, RendezvousActivity, RendezvousRooms, SessionStats, TraceRecord } from './session-stats.js';
import type { SessionListener, SessionListenerOptions } from './timed-listener.js';
import type { FromUiOf, ToUiOf, UiEventMap } from './ui-event-map.js';

/** Hex of a persona's Ed25519 master public key (64 lowercase hex characters): a peer's stable identity. */
export type PeerKey = string;

/** Hex of a 16-byte stream id (32 lowercase hex characters). */
export type StreamId = string;

/** Everything an extension may know about the persona it runs for. */
export interface PersonaInfo {
  /** File-system safe name of the persona, unique on this machine. */
  readonly slug: string;
  /** The label the user gave the persona. */
  readonly label: string;
  /** Random anonymous id other peers see in rendezvous rooms and sessions. */
  readonly peerId: string;
  /** The persona's master public key. */
  readonly masterPublicKey: PeerKey;
}

/** Facts about the running extension. */
export interface ExtensionInfo {
  /** The manifest id, e.g. `chat`. */
  readonly id: string;
  /** The manifest version. */
  readonly version: string;
  /** True for extensions shipped with Kith, false for ones installed into the data dir. */
  readonly builtin: boolean;
  /** Absolute path of the extension's folder (read-only for the extension). */
  readonly root: string;
}

/** A structured logger whose lines carry the extension id and persona slug. Never log secrets. */
export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

// ---------------------------------------------------------------------------------------------
// Bus events
// ---------------------------------------------------------------------------------------------

/** CBOR-encodable header of an event: plain data only (no functions, no class instances). */
export type EventHeader = Readonly<Record<string, unknown>>;

/** Flags carried in the event frame. */
export interface EventFlags {
  /** End of stream: the last event the sender will put on this stream. */
  readonly eos: boolean;
  /** The payload is a key frame (video) or otherwise starts a decodable unit. */
  readonly keyframe: boolean;
  /** The sender asked for an acknowledgement (reliable delivery). */
  readonly wantsAck: boolean;
}

/** An event received from a peer, handed to the handler registered for its kind. */
export interface InboundEvent {
  /** The sending persona's master public key. */
  readonly peer: PeerKey;
  /** The sending persona's anonymous peer id. */
  readonly peerId: string;
  readonly stream: StreamId;
  /** Per-stream sequence number, assigned by the sender. */
  readonly seq: number;
  /** The kind's name, e.g. `chat.text` or `hello.wave`. */
  readonly kind: string;
  readonly flags: EventFlags;
  readonly header: EventHeader;
  /** The payload bytes (may be empty). */
  readonly payload: Uint8Array;
}

/**
 * Handles one kind. For a reliable event the host acknowledges it only after the returned promise
 * resolves (ACK-after-persist): persist first, then return.
 *
 * To refuse one event (malformed, over a limit, not acceptable now), throw an `EventRefused` with
 * a reason in your words: the sender gets a NACK with reason `refused` and your text as `message`,
 * and the extension keeps running (an unreliable event gets no NACK: its refusal is only
 * counted). Any other throw is a bug: it marks the extension faulted and the event is refused
 * with `handler-failed`.
 */
export type KindHandler = (event: InboundEvent) => void | Promise<void>;

/** Registers handlers for bus kinds the extension owns (listed in its manifest's `kinds`). */
export interface KindRegistry {
  /**
   * Handle every inbound event of `kind`. Only kinds listed in the manifest can be registered.
   * While no handler is registered (or the extension is off), the kind is refused with a NACK
   * whose reason the sender sees.
   */
  register(kind: string, handler: KindHandler, options?: KindOptions): Disposable;
}

/** Options for {@link KindRegistry.register}. */
export interface KindOptions {
  /**
   * Only for the shared stream lifecycle kinds (`stream.open`, `stream.open-ack`, `stream.close`),
   * which are reserved names, so built-in extensions only (a third party uses kinds of its own):
   * take `stream.open` events whose header `purpose` equals this (`file`, `audio`, `video`). The
   * extension that takes a stream's open (or sends one) then receives that stream's open-ack and
   * close. An open whose purpose nobody registered is refused with a NACK `kind-disabled`
   * (its message names the kind, e.g. "peer has hello.wave turned off": map the reason to your own words).
   */
  readonly purpose?: string;
}

/** Scheduling class of a send. Control beats interactive; bulk is paced so it never starves the rest. */
export type Priority = 'control' | 'interactive' | 'bulk';

/** Options for {@link Sessions.send}. */
export interface SendOptions {
  /**
   * Reliable events are persisted in the outbound queue (sealed at rest), survive restarts, are
   * retransmitted until acknowledged, and wait for the next session when the peer is offline.
   * (A power cut within ~100 ms of the send may take the event, with whatever was committed
   * after it; see `ExtensionStorage.db` on durability.)
   * Unreliable events (media frames, typing) are sent once if a session is live and dropped
   * otherwise. Default: true.
   *
   * A reliable `bulk` event is reliable only within the live session (retransmitted until
   * acknowledged, never written to the queue): it needs a live session (else
   * `KITH_ERR_NO_SESSION`), and if the session ends first it is reported through `onDidFail`
   * with reason `session-closed`. Bulk senders (files) resume at their own level.
   */
  readonly reliable?: boolean;
  /** Default: `interactive`. */
  readonly priority?: Priority;
  /** Mark the last event of the stream. */
  readonly eos?: boolean;
  /** Mark a key frame. */
  readonly keyframe?: boolean;
  /**
   * Your own correlation tag (at most 128 characters), handed back in this event's delivery,
   * failure and NACK reports, so a report can be matched without waiting for `send` to return its
   * event id. Stored with the queued event (sealed at rest) and kept across restarts. Never sent
   * to the peer.
   */
  readonly tag?: string;
}

/** What {@link Sessions.send} reports once the bus has taken the event. */
export interface SendReceipt {
  /** A unique id for this event, used in delivery reports. */
  readonly eventId: string;
  readonly peer: PeerKey;
  readonly stream: StreamId;
  readonly seq: number;
  /** True when the event waits in the outbound queue because no session is live. */
  readonly queued: boolean;
  /** True when an unreliable event was dropped (no live session, or the peer lacks the kind). */
  readonly dropped?: boolean;
}

/** Reports for events this extension sent. */
export interface DeliveryReport {
  readonly eventId: string;
  /** The `tag` given to {@link Sessions.send}, if any. */
  readonly tag?: string;
  readonly peer: PeerKey;
  readonly stream: StreamId;
  readonly seq: number;
  readonly kind: string;
}

/**
 * The receiver refused an event, e.g. because it has the feature turned off. For unreliable
 * events (not tracked one by one) `eventId` is empty and the report comes at most once per peer
 * and kind every 5 s.
 */
export interface NackReport extends DeliveryReport {
  /**
   * Machine-readable reason: `kind-disabled`, `kind-unknown`, `handler-failed`, `refused` (the
   * peer's handler refused this event with `EventRefused`), ...
   */
  readonly reason: string;
  /** What happened, e.g. "peer has hello.wave turned off" (the host names the kind, never a feature: map `reason` to your own words before showing it); for `refused`, the peer extension's own words. */
  readonly message: string;
}

/** A network path candidate. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** A live, encrypted session with a peer. */
export interface SessionInfo {
  readonly peer: PeerKey;
  readonly peerId: string;
  /**
   * The path, from the remote address: `ipv6-direct`, `ipv4-punch`, `lan`, `loopback`. Which
   * socket carries it (the main port or an extension's timed listener) is in the session's
   * `ctx.diagnostics` stats (`socket`).
   */
  readonly path: string;
  readonly remote: Endpoint;
  /** Unix ms when the session opened. */
  readonly openedAt: number;
  /** Extensions (id → version) the peer has turned on, from the capability exchange. */
  readonly peerExtensions: Readonly<Record<string, string>>;
}

/** What a peer accepts now, after a capability exchange changed it. */
export interface PeerCapabilities {
  readonly peer: PeerKey;
  /** Kinds the peer has a handler for right now (sorted). */
  readonly kinds: readonly string[];
  /** Extensions (id → version) the peer has turned on. */
  readonly extensions: Readonly<Record<string, string>>;
}

/** Why a session ended. */
export interface SessionClosed {
  readonly session: SessionInfo;
  /** `closed-locally`, `closed-by-peer`, `idle-timeout`, `locked`, `persona-switched`, `replaced`, `shutdown`, `listener-closed` (a timed listener carrying it ended). */
  readonly reason: string;
}

/** Options for {@link Sessions.connect}. */
export interface ConnectOptions {
  /** Extra candidates to try first (e.g. a parked friend's derived IPv6 port). */
  readonly candidates?: readonly Endpoint[];
  /** Give up after this many ms. Default: 30 000. */
  readonly timeoutMs?: number;
}

/** Live sessions and the event-stream bus that runs inside them. */
export interface Sessions {
  /** Sessions open right now. */
  readonly all: readonly SessionInfo[];
  /** The live session with `peer`, if any. */
  get(peer: PeerKey): SessionInfo | undefined;
  readonly onDidOpen: Event<SessionInfo>;
  readonly onDidClose: Event<SessionClosed>;
  /**
   * A live session's peer changed what it accepts (it turned an extension on or off, or one
   * registered or dropped a kind). Not fired for the first exchange: that is {@link onDidOpen}.
   */
  readonly onDidChangeCapabilities: Event<PeerCapabilities>;

  /**
   * Send one event to `peer` on `stream`. `kind` must be one the extension owns. The promise
   * resolves once the bus has taken the event (queued or sent); for `bulk` sends it resolves only
   * when the session's paced bulk queue has room, which is the backpressure a file sender awaits.
   * The payload is copied before the promise resolves, so the caller may reuse its buffer. A bulk
   * transfer moves fastest in large events (16–64 KiB): the bus cuts them into datagrams itself.
   * While any extension holds a `storage.db.transaction()` open, a reliable send resolves only
   * after that transaction ends (the queue row must not be rolled back with it), at most 5 s
   * later: the host then rolls the transaction back. Do not await one inside your own
   * transaction (it would be rolled back); send after the commit.
   *
   * Only friends are sent to: a reliable send that would be queued (no session with `peer`) to
   * someone who is not a friend of the active persona is refused with `KITH_ERR_NOT_FOUND`
   * (a session exists only with a friend). A friend removed later fails its queued events through
   * {@link onDidFail} with reason `friend-removed`.
   */
  send(
    peer: PeerKey,
    stream: StreamId,
    kind: string,
    header: EventHeader,
    payload?: Uint8Array,
    options?: SendOptions,
  ): Promise<SendReceipt>;

  /** A reliable event this extension sent was persisted by the peer. */
  readonly onDidDeliver: Event<DeliveryReport>;
  /** A reliable event could not be delivered and will not be retried (e.g. friend removed). */
  readonly onDidFail: Event<DeliveryReport & { readonly reason: string }>;
  /** The peer refused an event. */
  readonly onDidNack: Event<NackReport>;

  /** Open a session with a saved friend now (just-in-time connect). Resolves when it is live. */
  connect(peer: PeerKey, options?: ConnectOptions): Promise<SessionInfo>;
  /** Close the session with `peer`, if any. */
  close(peer: PeerKey): Promise<void>;
}

/** Stream id helpers. */
export interface Streams {
  /** A fresh random stream id (files, calls): it becomes this extension's when it first sends or takes an event on it. */
  random(): StreamId;
  /**
   * The deterministic stream id for a named purpose with a friend (HKDF-SHA256 over the friendship,
   * this extension's id and `purpose`); both peers compute the same id, e.g.
   * `streams.forFriend(peer, 'chat')`. It is this extension's: no other extension may send on it,
   * and a friend's host refuses other extensions' events on it (NACK `stream-not-owned`).
   * It is only arithmetic on the key: it does not check that `peer` is a friend ({@link Sessions.send} does).
   */
  forFriend(peer: PeerKey, purpose: string): StreamId;
}

// ---------------------------------------------------------------------------------------------
// Friends, rendezvous, network
// ---------------------------------------------------------------------------------------------

/** A saved friend of the active persona. */
export interface Friend {
  /** Local row id. */
  readonly id: number;
  readonly peer: PeerKey;
  readonly label: string;
  /** The peer id seen last (it may change between rendezvous joins). */
  readonly lastPeerId: string | null;
  /** Hex of the friend's X25519 public key for this friendship. */
  readonly x25519PublicKey: string;
  readonly verified: boolean;
  readonly autoConnect: boolean;
  /** Unix ms. */
  readonly addedAt: number;
}

/** The identity card two peers exchange when they become friends. */
export interface FriendCard {
  readonly peer: PeerKey;
  readonly peerId: string;
  readonly label: string;
  /** Hex of the friend's X25519 public key for this friendship. */
  readonly x25519PublicKey: string;
  readonly verified?: boolean;
}

/**
 * The active persona's friends (shared by all extensions). Reading needs nothing; `save`, `update`
 * and `remove` change whom the persona trusts and need the manifest permission `friends.manage`
 * (else `KITH_ERR_FORBIDDEN`).
 */
export interface Friends {
  list(): Promise<readonly Friend[]>;
  get(peer: PeerKey): Promise<Friend | undefined>;
  /** Save or update a friend (idempotent by `peer`). Needs `friends.manage`. */
  save(card: FriendCard): Promise<Friend>;
  /** Needs `friends.manage`. `KITH_ERR_NOT_FOUND` for someone who is not a friend. */
  update(peer: PeerKey, changes: { label?: string; verified?: boolean; autoConnect?: boolean }): Promise<Friend>;
  /** Needs `friends.manage`. */
  remove(peer: PeerKey): Promise<void>;
  /** The X25519 public key this persona uses towards `peer` (derived per friend). */
  ownX25519PublicKeyFor(peer: PeerKey): string;
  readonly onDidChange: Event<{ readonly peer: PeerKey; readonly change: 'saved' | 'updated' | 'removed' }>;
}

/** One entry of a rendezvous room. */
export interface RendezvousEntry {
  readonly blob: string;
  /** The public tag of the publisher's owner secret (base64url SHA-256), never the secret itself. */
  readonly owner?: string;
  /** Unix ms when the server stored it. */
  readonly storedAt: number;
}

/**
 * Raw access to rendezvous rooms for extensions with their own protocols (pairing). Every room and
 * owner used here is tracked and unpublished on leave, lock and shutdown.
 */
export interface Rendezvous {
  /**
   * `owner` is the entry's secret (16-64 characters of `[A-Za-z0-9_-]`, random when omitted): only
   * it replaces or unpublishes the entry; fetches show its hash as `owner`.
   */
  publish(url: string, room: string, blob: string, owner?: string): Promise<void>;
  fetch(url: string, room: string): Promise<readonly RendezvousEntry[]>;
  unpublish(url: string, room: string, owner: string): Promise<void>;
  /** The server's clock (Unix ms), offset-corrected. */
  time(url: string): Promise<number>;
}

/** A datagram received on a listener bound through {@link Network.bindUdp}. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

/** A UDP listener an extension bound; dispose it to close the socket. */
export interface UdpListener extends Disposable {
  readonly local: Endpoint;
  send(data: Uint8Array, to: Endpoint): Promise<void>;
}

/** Network facts, and UDP sockets an extension binds for a window (raw, or carrying sessions). */
export interface Network {
  /** Public endpoints found through STUN (null when that family has none). */
  discover(): Promise<{ readonly ipv4: Endpoint | null; readonly ipv6: Endpoint | null }>;
  /**
   * Bind a UDP socket on `port` (0 = any) for `family` until disposed or until `untilMs` (Unix ms)
   * passes, whichever comes first. Datagrams are bounded to 1500 bytes.
   */
  bindUdp(
    options: { readonly port: number; readonly family: 'ipv4' | 'ipv6'; readonly untilMs?: number },
    onDatagram: (datagram: Datagram) => void,
  ): Promise<UdpListener>;
  /**
   * Bind a UDP socket until `options.untilMs` on which the host answers Kith handshakes (Noise KK)
   * from saved friends and runs the sessions they open like any other (bus, kinds, stats). Use
   * {@link SessionListener.connect} to start a handshake from it (simultaneous open, scheduled
   * punch). Strangers, garbage and replays get no reply and are counted. At most 16 listeners
   * (raw and session ones together) per extension; the window is at most 15 minutes.
   */
  listenForSessions(options: SessionListenerOptions): Promise<SessionListener>;
}

// ---------------------------------------------------------------------------------------------
// Storage, sealing, keys
// ---------------------------------------------------------------------------------------------

/**
 * The extension's own SQLite tables. Table names in queries are the extension's logical names;
 * the host maps them into the extension's namespace and restricts every query to the active
 * persona's rows, so an extension cannot read another extension's or another persona's data.
 */
export interface ExtensionStorage {
  /**
   * A kysely handle scoped to this extension and persona. Its queries travel to the host as
   * kysely's operation-node tree (plain data, never SQL text); the host checks each tree against
   * an allow-list of node kinds, names, functions and operators, so raw `sql`, unknown functions
   * and other tables are refused with `KITH_ERR_QUERY_REFUSED` (docs/extensions.md, Storage).
   * `db.transaction()` holds the host's one database connection until it ends: every other
   * storage query and the bus's own writes (reliable sends, receipts) wait for it. The host rolls
   * it back when idle for 30 s, after 10 s in all, or when a bus write has waited 5 s for it.
   * Keep transactions short and never await a reliable send inside one.
   * Durability: a statement (or transaction) resolves once committed; a killed host loses none
   * of it. The host syncs commits to disk in batches within about 100 ms, and before the bus
   * acknowledges any event to a peer, so a power cut can take only the newest local commits,
   * never one that a friend was told is stored, and never one without those before it.
   */
  readonly db: Kysely<any>;
  /**
   * Run the extension's migrations (kysely `Migration`s keyed by sortable names). Call it first
   * thing in `activate`. Tables are shared by all personas and migrated once per extension: the
   * host adds a `persona` column to every table and widens every key, unique constraint and
   * index with it, so ids only need to be unique within one persona. Raw `sql` is refused
   * (kysely's own `asc`/`desc` are fine); each migration runs in one host transaction that also
   * records it; a data migration sees only the rows of the persona that ran it.
   */
  migrate(migrations: Readonly<Record<string, Migration>>): Promise<void>;
}

/**
 * Seals data at rest under a key of this extension's own for this persona (HKDF of the persona's
 * at-rest key with the extension id), so no other extension, even with the bytes, can open it.
 * Sealed strings start with `kith:seal:v1:`; the SQLite file alone reveals no sealed content.
 */
export interface Sealing {
  sealText(plaintext: string): string;
  openText(sealed: string): string;
  sealBytes(plaintext: Uint8Array): Uint8Array;
  openBytes(sealed: Uint8Array): Uint8Array;
  /**
   * A keyed hash of `value` (HMAC-SHA256 under a key derived from the persona's at-rest key and
   * this extension's id; base64url, 43 characters): store it instead of a secret you only look
   * rows up by, such as a friend's key. Stable for this extension and persona; another extension
   * or persona gets an unrelated tag for the same value. Strings are hashed as UTF-8; at most
   * 64 KiB, else `KITH_ERR_BAD_REQUEST`.
   */
  tag(value: string | Uint8Array): string;
}

/** Keys derived for the extension without exposing the persona's seed. */
export interface KeyDerivation {
  /**
   * A 32-byte key both friends derive alike: HKDF-SHA256 over the friendship's X25519 shared
   * secret, salted with `salt`, with the extension id and `info` as context (e.g. per-call keys).
   */
  friendKey(peer: PeerKey, info: string, salt?: Uint8Array): Promise<Uint8Array>;
}

// ---------------------------------------------------------------------------------------------
// HTTP routes, UI events, settings, timers, services, diagnostics
// ---------------------------------------------------------------------------------------------

/** The HTTP methods an extension route may use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP request to an extension route, as plain data (it can be copied to another process):
 * no sockets, no streams, no framework objects.
 */
export interface RouteRequest {
  /** A GET route also answers HEAD: it runs with `HEAD` here and the host sends no body. */
  readonly method: RouteMethod | 'HEAD';
  /** The path below `/api`, e.g. `/hello/waves/ab12…` (no query string). */
  readonly path: string;
  /** Values of the pattern's `:name` segments. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string: one value per name, or every value when the name repeats. */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Request headers with lowercase names. The launch secret, cookies and `authorization` are
   * never passed on.
   */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body as {@link RouteOptions.body} asked for: the parsed JSON value (undefined without a
   * body), the raw bytes as a `Uint8Array`, a {@link RouteBodyStream} for `stream`, or undefined
   * for `none`.
   */
  readonly body: unknown;
}

/**
 * Shapes the answer of a route beyond its return value. Everything set here is plain data (a
 * status and headers), applied after the handler returns.
 */
export interface RouteResponse {
  /** The status to answer with. Default: 200, or 204 when the handler returns undefined. */
  status(code: number): RouteResponse;
  /**
   * Set a response header (e.g. `content-type` for a byte answer). Framing and security headers
   * (`content-length`, `transfer-encoding`, `connection`, `set-cookie`, `content-security-policy`
   * and the like) are refused: the call throws `KITH_ERR_INTERNAL`, and the request is answered
   * 500 (a mistake in the route, not in the request).
   */
  header(name: string, value: string): RouteResponse;
  /**
   * The exact number of bytes a streamed answer yields, sent as `Content-Length` (a `<video>`
   * needs it to seek). A stream that yields more or fewer is cut off, so the client sees an error.
   */
  length(bytes: number): RouteResponse;
}

/**
 * A request body read as it arrives (`body: 'stream'`): pieces of at most 1 MiB, pulled from the
 * socket only as fast as the handler iterates, so memory stays bounded. Iteration throws
 * `KITH_ERR_PAYLOAD_TOO_LARGE` past the route's limit (the answer is then 413, whatever the
 * handler returns) and `KITH_ERR_BAD_REQUEST` when the client goes away mid-body. A body that is
 * not read to its end is not drained: the connection closes after the answer.
 */
export type RouteBodyStream = AsyncIterable<Uint8Array>;

/**
 * Handles one HTTP route. Return a value to answer it as JSON, a `Uint8Array` to answer with
 * bytes (`application/octet-stream` unless a `content-type` header is set), an
 * `AsyncIterable<Uint8Array>` to stream bytes (pulled only as fast as the client reads; `return()`
 * is called on its iterator when the client goes away; see {@link RouteResponse.length} and
 * `serveRanged`), or undefined for an empty answer (204 unless a status is set). Throw a
 * `KithError` for a clean error answer (a stream may throw one before its first piece, too).
 */
export type RouteHandler = (request: RouteRequest, response: RouteResponse) => unknown | Promise<unknown>;

/** Options for a route. */
export interface RouteOptions {
  /**
   * How the body is read. Default: `json`. `raw` gives a `Uint8Array` in `request.body` (file
   * chunks); `stream` gives a {@link RouteBodyStream} (uploads of any size) and needs a `limit`.
   */
  readonly body?: 'json' | 'raw' | 'stream' | 'none';
  /**
   * Body size limit in bytes. Default: 64 KiB for json, 1 MiB for raw; at most 64 MiB for both.
   * Required for stream, at most 16 GiB. A declared `Content-Length` over it is refused (413)
   * before a byte of the body is read.
   */
  readonly limit?: number;
}

/**
 * The extension's HTTP routes, mounted under `/api` and lock-gated (they answer 423 while Kith is
 * locked). Paths must match a pattern the manifest lists in `contributes.routes`. While the
 * extension is off for the persona, its routes answer 404 `KITH_ERR_EXTENSION_DISABLED`.
 */
export interface Routes {
  get(path: string, handler: RouteHandler, options?: RouteOptions): Disposable;
  post(path: string, handler: RouteHandler, options?: RouteOptions): Disposable;
  put(path: string, handler: RouteHandler, options?: RouteOptions): Disposable;
  patch(path: string, handler: RouteHandler, options?: RouteOptions): Disposable;
  delete(path: string, handler: RouteHandler, options?: RouteOptions): Disposable;
}

/**
 * Real-time messages between the extension and its UI over the page's one socket.io connection.
 * Names are scoped to the extension (the UI sees `<ext-id>:<name>`). Payloads may contain binary
 * (`Uint8Array`/`Buffer`), which travels as binary, never base64: media frames go both ways here.
 *
 * `M` types the messages: declare them once with `defineUiEvents` and write
 * `const events: UiEvents<typeof myUi> = ctx.events`; the UI side takes the same `UiHost<typeof myUi>`.
 */
export interface UiEvents<M extends UiEventMap = UiEventMap> {
  /** Send to every open page of this persona. */
  emit<K extends keyof ToUiOf<M> & string>(name: K, payload: ToUiOf<M>[K]): void;
  /** Receive messages the UI sends with `<ext-id>:<name>`. */
  on<K extends keyof FromUiOf<M> & string>(name: K, handler: (payload: FromUiOf<M>[K]) => void): Disposable;
}

/** Per-persona settings the manifest declares in `contributes.settings`. */
export interface Settings {
  get<T>(id: string): T;
  update(id: string, value: unknown): Promise<void>;
  readonly onDidChange: Event<{ readonly id: string; readonly value: unknown }>;
}

/** Timers that stop when the extension is turned off. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): Disposable;
  setInterval(callback: () => void, ms: number): Disposable;
}

/**
 * Services extensions export to each other (declare the provider in `dependencies`). A service is
 * named by a typed reference, `createServiceRef<T>({ id: '<ext-id>.<service>' })`, so provider and
 * consumers agree on its type.
 */
export interface Services {
  /** Offer `implementation` under `ref` (its id must start with this extension's id and a dot). */
  provide<T>(ref: ServiceRef<T>, implementation: T): Disposable;
  /** @deprecated Name the service with a {@link ServiceRef} (`createServiceRef`). */
  provide<T>(id: string, implementation: T): Disposable;
  /** The service behind `ref`, or undefined while its provider is off. */
  get<T>(ref: ServiceRef<T>): T | undefined;
  /** @deprecated The caller picks any type here: use a {@link ServiceRef} (`createServiceRef`). */
  get<T>(id: string): T | undefined;
}

/** One step of a connect attempt or another diagnosable operation. */
export interface TraceEntry {
  readonly stage: string;
  readonly outcome: 'ok' | 'failed' | 'skipped' | 'info';
  readonly detail?: string;
  readonly peer?: PeerKey;
  readonly ms?: number;
}

/**
 * Diagnostics: write trace entries (shown on the Diagnostics page) and read the active persona's live
 * session stats, the host's datagram counters and its connect attempts. Reads answer plain data
 * (structuredClone-able), with no key or secret.
 */
export interface Diagnostics {
  trace(entry: TraceEntry): void;
  /** Stats of every live session of the active persona. */
  sessions(): Promise<readonly SessionStats[]>;
  /** Stats of the live session with `peer`, if any. */
  session(peer: PeerKey): Promise<SessionStats | undefined>;
  counters(): Promise<NetCounters>;
  /** The newest connect attempts (at most `limit`, 1..100, default 20), newest first. */
  connectAttempts(limit?: number): Promise<readonly ConnectAttempt[]>;
  /** The newest rendezvous activity entries (at most `limit`, 1..500, default 100), newest first. */
  rendezvousActivity(limit?: number): Promise<readonly RendezvousActivity[]>;
  /** The newest trace log entries, flat (at most `limit`, 1..500, default 200), newest first. */
  traces(limit?: number): Promise<readonly TraceRecord[]>;
  /** The rendezvous rooms this unlock session published in or joined, joined ones with their word. */
  rooms(): Promise<RendezvousRooms>;
  /** A fresh snapshot when sessions or counters changed: at most once a second, only while watched. */
  readonly onDidChange: Event<DiagnosticsSnapshot>;
}

/** Everything the host offers one extension, for one persona. */
export interface ExtensionContext {
  readonly extension: ExtensionInfo;
  readonly persona: PersonaInfo;
  /**
   * Push every registration here (anything with a `dispose()`); the host disposes them all, last
   * first, on deactivation.
   */
  readonly subscriptions: DisposableLike[];
  readonly log: Logger;
  readonly kinds: KindRegistry;
  readonly sessions: Sessions;
  readonly streams: Streams;
  readonly routes: Routes;
  readonly storage: ExtensionStorage;
  readonly sealing: Sealing;
  /** Large sealed files of this extension for this persona (`KITH_ERR_LOCKED` once it stops). */
  readonly blobs: Blobs;
  readonly keys: KeyDerivation;
  readonly friends: Friends;
  readonly rendezvous: Rendezvous;
  readonly network: Network;
  readonly events: UiEvents;
  /**
   * Duplex binary channels with one page each (media frames, live data), with backpressure:
   * `register(name, onOpen, { policy })` accepts what the UI opens with `UiHost.openChannel(name)`.
   * Its channels close when the page goes away or the extension stops (lock, switch, off).
   */
  readonly pageChannels: PageChannels;
  readonly settings: Settings;
  readonly timers: Timers;
  readonly services: Services;
  readonly diagnostics: Diagnostics;
  /** Browser-friendly previews of small attachments, made by the host's ffmpeg (API 1.1). */
  readonly media: Media;
  /**
   * Proposed API (see `API_PROPOSALS`): a member throws `KITH_ERR_PROPOSAL_NOT_ENABLED` unless the
   * manifest lists its proposal in `enabledApiProposals`.
   */
  readonly proposed: ProposedApi;
}

/** What an extension's entry module exports (default export). */
export interface ExtensionModule {
  /** Wire registrations into `context.subscriptions`. A throw marks the extension faulted. */
  activate(context: ExtensionContext): void | Promise<void>;
  /** Optional extra clean-up after every subscription is disposed. */
  deactivate?(): void | Promise<void>;
}
