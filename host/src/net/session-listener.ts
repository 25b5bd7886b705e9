import net from 'node:net';
import {
  Disposable, EventEmitter, KithError, type Event, MAX_CONNECT_ENDPOINTS, type Endpoint, type ListenerConnectOptions,
  type ListenerSession, type PeerKey, type SessionListener, type SessionListenerState, type SessionSocket,
} from '@kith/sdk';
import { UdpPort } from './udp-port.js';
import { RejectionCounters } from './rejection-counters.js';
import type { SessionSocketPort } from './session-socket.js';
import type { SessionTable } from './session-table.js';
import type { LiveSession } from './live-session.js';
import { BURST_INTERVAL_MS } from './connect-ladder.js';
import { toEndpoint } from './endpoint.js';

/** A connect gives up this long after it starts unless told otherwise. */
const DEFAULT_CONNECT_MS = 5_000;
/** Connect calls running at once on one listener. */
const MAX_CONNECTS = 4;

/** An emitter whose throwing listeners fault their extension instead of the host. */
class ScopedEmitter<T> extends EventEmitter<T> {
  readonly #fault: (error: unknown) => void;

  constructor(fault: (error: unknown) => void) {
    super();
    this.#fault = fault;
  }

  protected override onListenerError(error: unknown): void {
    this.#fault(error);
  }
}

export interface TimedListenerOptions {
  readonly port: number;
  readonly family: 'ipv4' | 'ipv6';
  readonly untilMs: number;
  /** Only these friends' handshakes are taken (all saved friends when absent). */
  readonly peers?: ReadonlySet<string>;
  /** The extension that bound it (diagnostics name it). */
  readonly owner: string;
  /** The session table of the persona it was bound for. */
  readonly table: SessionTable;
  /** Host-wide sum of all listeners' counters. */
  readonly totals: RejectionCounters;
  /** Re-read the friends list when a peer is not in the keyring (a friend saved a moment ago). */
  readonly refreshFriends: () => Promise<void>;
  readonly fault: (error: unknown) => void;
}

/**
 * A UDP socket an extension bound for a window, on which the session table takes handshakes
 * from saved friends. Everything that arrives goes through the same checks as on the main port
 * (no reply to a stranger, garbage or a replay: only a count). At the window's end it stops taking
 * handshakes, drops half-done ones (telling the friend with a sealed Close) and closes, unless a
 * session runs over it: then it stays until the last such session ends. The simplest correct
 * choice: a session never changes socket, so the friend's NAT or firewall state stays valid.
 */
export class TimedListener implements SessionSocketPort {
  readonly counters: RejectionCounters;
  readonly description: SessionSocket;
  readonly untilMs: number;
  readonly local: Endpoint;
  readonly #port: UdpPort;
  readonly #family: 'ipv4' | 'ipv6';
  readonly #table: SessionTable;
  readonly #refreshFriends: () => Promise<void>;
  readonly #peers: ReadonlySet<string> | undefined;
  readonly #opened: ScopedEmitter<ListenerSession>;
  readonly #closedEvent: ScopedEmitter<string>;
  readonly #connects = new Set<AbortController>();
  #takesHandshakes = true;
  #state: SessionListenerState = 'listening';
  #timer: NodeJS.Timeout | undefined;

  static async open(options: TimedListenerOptions): Promise<TimedListener> {
    const counters = new RejectionCounters(options.totals);
    const port = await UdpPort.bind({
      port: options.port, address: options.family === 'ipv6' ? '::' : '0.0.0.0', ipv6Only: options.family === 'ipv6', counters,
    });
    return new TimedListener(port, counters, options);
  }

  private constructor(port: UdpPort, counters: RejectionCounters, options: TimedListenerOptions) {
    this.#port = port;
    this.counters = counters;
    this.#family = options.family;
    this.#table = options.table;
    this.#refreshFriends = options.refreshFriends;
    this.#peers = options.peers;
    this.untilMs = options.untilMs;
    this.local = toEndpoint(options.family === 'ipv6' ? '::' : '0.0.0.0', port.port);
    this.description = { kind: 'listener', extension: options.owner, local: this.local };
    this.#opened = new ScopedEmitter(options.fault);
    this.#closedEvent = new ScopedEmitter(options.fault);
    port.onPeer((data, from) => this.#table.handle(data, from, this));
    this.#timer = setTimeout(() => this.#windowEnded(), Math.max(0, options.untilMs - Date.now()));
    this.#timer.unref();
  }

  get takesHandshakes(): boolean {
    return this.#takesHandshakes;
  }

  get state(): SessionListenerState {
    return this.#state;
  }

  get onDidOpenSession(): Event<ListenerSession> {
    return this.#opened.event;
  }

  get onDidClose(): Event<string> {
    return this.#closedEvent.event;
  }

  accepts(peer: string): boolean {
    return !this.#peers || this.#peers.has(peer);
  }

  send(data: Uint8Array, to: Endpoint): void {
    this.#port.send(data, to);
  }

  sessionOpened(session: LiveSession): void {
    this.#opened.fire(viewOf(session));
  }

  sessionClosed(): void {
    // Re-checked on the next turn: the table forgets the session before this is called.
    queueMicrotask(() => {
      if (this.#state === 'carrying-sessions' && this.#table.sessionsOn(this).length === 0) this.close('sessions-ended');
    });
  }

  /** Close the socket now; sessions over it end with `listener-closed`. */
  close(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#takesHandshakes = false;
    clearTimeout(this.#timer);
    for (const connect of this.#connects) connect.abort();
    this.#table.dropHandshakesOn(this, reason);
    this.#table.closeSessionsOn(this, 'listener-closed');
    void this.#port.close();
    this.#closedEvent.fire(reason);
    this.#opened.dispose();
    this.#closedEvent.dispose();
  }

  /** See {@link SessionListener.connect}. */
  async connect(peer: PeerKey, endpoints: readonly Endpoint[], options: ListenerConnectOptions = {}): Promise<ListenerSession> {
    if (!this.#takesHandshakes) throw new KithError('KITH_ERR_TIMEOUT', 'the listener\'s window has ended');
    const targets = this.#checkEndpoints(endpoints);
    const startAt = options.atMs ?? Date.now();
    if (!Number.isFinite(startAt) || startAt >= this.untilMs) throw badRequest('atMs must fall inside the listener\'s window');
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw badRequest('timeoutMs must be a positive number');
    if (!this.accepts(peer)) throw badRequest('that friend is not among this listener\'s peers');
    if (!this.#table.keyring.get(peer)) await this.#refreshFriends();
    if (!this.#table.keyring.get(peer)) throw new KithError('KITH_ERR_NOT_FOUND', 'Sessions open only with saved friends');
    const live = this.#table.get(peer) as LiveSession | undefined;
    if (live) return viewOf(live);
    if (this.#connects.size >= MAX_CONNECTS) throw new KithError('KITH_ERR_RATE_LIMITED', `at most ${MAX_CONNECTS} connects at once per listener`);
    const abort = new AbortController();
    this.#connects.add(abort);
    const deadline = Math.min(startAt + timeoutMs, this.untilMs);
    const opened = this.#table.waitForOpen(peer, deadline - Date.now(), abort.signal);
    opened.catch(() => undefined);
    let session: LiveSession | undefined;
    opened.then((link) => { session = link as LiveSession; }, () => undefined);
    try {
      await sleep(startAt - Date.now(), abort.signal);
      while (!session && !abort.signal.aborted && Date.now() < deadline) {
        for (const to of targets) this.#table.sendHello(peer, to, this);
        await Promise.race([opened.catch(() => undefined), sleep(BURST_INTERVAL_MS, abort.signal)]);
      }
      if (!session) session = (await opened.catch(() => undefined)) as LiveSession | undefined;
    } finally {
      this.#connects.delete(abort);
      abort.abort();
    }
    if (!session) {
      if (!this.#table.get(peer)) this.#table.abandon(peer);
      // The clock can pass the window's end before its timer runs (a busy loop): end it now, so a
      // caller never sees a connect that gave up for the window while the listener still listens.
      if (Date.now() >= this.untilMs) this.#windowEnded();
      throw new KithError('KITH_ERR_TIMEOUT', this.#takesHandshakes ? 'no answer in time' : 'the listener\'s window ended first');
    }
    return viewOf(session);
  }

  #checkEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
    if (!Array.isArray(endpoints) || endpoints.length === 0 || endpoints.length > MAX_CONNECT_ENDPOINTS) {
      throw badRequest(`give 1 to ${MAX_CONNECT_ENDPOINTS} endpoints`);
    }
    return endpoints.map((endpoint) => {
      const address = typeof endpoint?.address === 'string' && endpoint.address.length <= 64 ? endpoint.address : '';
      if (!net.isIP(address) || !Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) {
        throw badRequest('an endpoint is an IP address and a port 1..65535');
      }
      const parsed = toEndpoint(address, endpoint.port);
      if (parsed.family !== this.#family) throw badRequest(`this listener is ${this.#family} only`);
      return parsed;
    });
  }

  #windowEnded(): void {
    if (this.#state === 'closed') return;
    this.#takesHandshakes = false;
    for (const connect of this.#connects) connect.abort();
    this.#table.dropHandshakesOn(this, 'window-ended');
    if (this.#table.sessionsOn(this).length === 0) this.close('window-ended');
    else this.#state = 'carrying-sessions';
  }
}

/** The SDK handle of a listener: the extension's scope disposes it when the extension stops. */
export class SessionListenerHandle extends Disposable implements SessionListener {
  readonly #listener: TimedListener;
  readonly onDidOpenSession: SessionListener['onDidOpenSession'];
  readonly onDidClose: SessionListener['onDidClose'];

  constructor(listener: TimedListener) {
    super(() => listener.close('disposed'));
    this.#listener = listener;
    this.onDidOpenSession = listener.onDidOpenSession;
    this.onDidClose = listener.onDidClose;
  }

  get local(): Endpoint {
    return this.#listener.local;
  }

  get untilMs(): number {
    return this.#listener.untilMs;
  }

  get state(): SessionListenerState {
    return this.#listener.state;
  }

  counters() {
    return this.#listener.counters.snapshot();
  }

  connect(peer: PeerKey, endpoints: readonly Endpoint[], options?: ListenerConnectOptions): Promise<ListenerSession> {
    return this.#listener.connect(peer, endpoints, options);
  }
}

function viewOf(session: LiveSession): ListenerSession {
  return { peer: session.peer, remote: { ...session.remote }, openedAt: session.openedAt, initiator: session.initiator };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function badRequest(message: string): KithError {
  return new KithError('KITH_ERR_BAD_REQUEST', message);
}
