import { EventEmitter, type Endpoint, type PeerKey } from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import { open, seal } from './aead.js';
import { ReplayWindow } from './replay-window.js';
import { decodeData, encodeDataHeader } from './peer-packet.js';
import { InnerType, MAX_PAYLOAD } from './wire-constants.js';
import type { TransportKeys } from './noise-kk.js';
import { isPrivateAddress } from './endpoint.js';

/** What a session needs from the table that owns it. */
export interface SessionHost {
  transmit(data: Buffer, to: Endpoint): void;
  /** Called once when the session ends, before `onDidClose` fires. */
  forget(session: LiveSession, reason: string): void;
}

/** The path label both sides can derive from the remote address alone. */
export function pathFor(remote: Endpoint): string {
  if (remote.address === '127.0.0.1' || remote.address === '::1') return 'loopback';
  if (isPrivateAddress(remote.address)) return 'lan';
  return remote.family === 'ipv6' ? 'ipv6-direct' : 'ipv4-punch';
}

/**
 * One live encrypted session: the SessionLink the bus uses. Sending seals with a counter nonce;
 * receiving checks the replay window before decrypting and commits after authentication.
 */
export class LiveSession implements SessionLink {
  readonly peer: PeerKey;
  readonly peerId: string;
  readonly path: string;
  readonly openedAt = Date.now();
  readonly maxPayload = MAX_PAYLOAD;
  readonly localIndex: number;
  readonly remoteIndex: number;
  lastReceivedAt = Date.now();
  lastSentAt = Date.now();
  #remote: Endpoint;
  #counter = 0;
  #closed = false;
  readonly #keys: TransportKeys;
  readonly #window = new ReplayWindow();
  readonly #host: SessionHost;
  readonly #received = new EventEmitter<Uint8Array>();
  readonly #closedEvent = new EventEmitter<string>();
  readonly #heartbeat = new EventEmitter<void>();
  readonly onDidReceive = this.#received.event;
  readonly onDidClose = this.#closedEvent.event;
  /** A keepalive arrived. */
  readonly onHeartbeat = this.#heartbeat.event;

  constructor(options: {
    peer: PeerKey; peerId: string; remote: Endpoint; keys: TransportKeys;
    localIndex: number; remoteIndex: number; host: SessionHost; path?: string;
  }) {
    this.peer = options.peer;
    this.peerId = options.peerId;
    this.#remote = options.remote;
    this.#keys = options.keys;
    this.localIndex = options.localIndex;
    this.remoteIndex = options.remoteIndex;
    this.#host = options.host;
    this.path = options.path ?? pathFor(options.remote);
  }

  get remote(): Endpoint {
    return this.#remote;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(plaintext: Uint8Array): void {
    if (plaintext.length > MAX_PAYLOAD) {
      throw new RangeError(`a session datagram carries at most ${MAX_PAYLOAD} bytes, got ${plaintext.length}`);
    }
    this.#sendInner(InnerType.Payload, plaintext);
  }

  sendKeepalive(): void {
    this.#sendInner(InnerType.Keepalive, new Uint8Array(0));
  }

  /**
   * Handle a DATA datagram addressed to this session. Returns a rejection reason, or undefined
   * when it was accepted.
   */
  receive(data: Buffer, from: Endpoint): string | undefined {
    if (this.#closed) return 'data-closed-session';
    const decoded = decodeData(data);
    if (!decoded.ok) return decoded.reason;
    const { counter, header, sealed } = decoded.value;
    if (!this.#window.wouldAccept(counter)) return 'data-replayed';
    const plaintext = open(this.#keys.receive, counter, header, sealed);
    if (!plaintext) return 'data-auth-failed';
    if (!this.#window.commit(counter)) return 'data-replayed';
    this.lastReceivedAt = Date.now();
    // Roaming: a fresh authenticated packet from a new address moves the session there.
    if (from.port !== this.#remote.port || from.address !== this.#remote.address) this.#remote = from;
    if (plaintext.length === 0) return 'data-empty';
    const inner = plaintext[0];
    if (inner === InnerType.Payload) {
      this.#received.fire(plaintext.subarray(1));
      return undefined;
    }
    if (inner === InnerType.Keepalive) {
      this.#heartbeat.fire();
      return undefined;
    }
    if (inner === InnerType.Close) {
      this.#finish('closed-by-peer', false);
      return undefined;
    }
    return 'data-bad-inner';
  }

  close(reason = 'closed-locally'): void {
    this.#finish(reason, true);
  }

  #finish(reason: string, tellPeer: boolean): void {
    if (this.#closed) return;
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

  #sendInner(type: number, body: Uint8Array): void {
    if (this.#closed) return;
    const counter = this.#counter++;
    const header = encodeDataHeader(this.remoteIndex, counter);
    const plaintext = Buffer.allocUnsafe(1 + body.length);
    plaintext[0] = type;
    plaintext.set(body, 1);
    this.lastSentAt = Date.now();
    this.#host.transmit(seal(this.#keys.send, counter, header, plaintext, header), this.#remote);
  }
}
