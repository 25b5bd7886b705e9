import { EventEmitter, KithError, type PeerKey } from '@kith/sdk';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { ActivePersona } from '../core/persona-gate.js';
import { encodeEnvelope } from '../../../rendezvous/src/peer/envelope.js';
import type { ConnectBody } from '../../../rendezvous/src/peer/payloads.js';
import { roomForWord } from '../../../rendezvous/src/peer/room.js';
import { epochOf, strangerTag } from '../../../rendezvous/src/peer/routing-tag.js';
import { sealEnvelope } from '../../../rendezvous/src/peer/seal.js';
import { signPayload } from '../../../rendezvous/src/peer/signed-payload.js';
import type { FriendRoute, FriendRouting } from './friend-routing.js';
import { ownerSecret } from './owner-secret.js';
import { publicOnly } from './public-endpoints.js';
import type { RoomIo } from './room-io.js';
import type { ConnectFound, RoomScan, StrangerAnnounce } from './room-scan.js';
import { CONNECT_REQUEST_TTL_MS, type ConnectRequestArgs, type ConnectSignal, type InboundConnectRequest, type PresenceMode } from './signalling.js';

/** Connect requests/accepts older than this (server clock) are ignored. */
export const SIGNAL_MAX_AGE_MS = 90_000;
/** How often `awaitAccept` fetches the room. */
export const ACCEPT_POLL_MS = 500;
/** Inbound requests remembered at most (a room holds at most a few hundred entries anyway). */
const MAX_INBOUND = 1_000;
/** Requests and accepts are forgotten after this long. */
const SIGNAL_MEMORY_MS = 10 * 60_000;

/** When the requester stops waiting (server clock): from the earlier of its signed send time and the server's store time. */
function expiryOf(found: ConnectFound): number {
  return Math.min(found.body.sentAt, found.storedAt) + CONNECT_REQUEST_TTL_MS;
}

/** What connect signalling needs from the presence engine. */
export interface ConnectSignalsDeps {
  readonly persona: ActivePersona;
  readonly routing: FriendRouting;
  readonly io: RoomIo;
  readonly allowPrivateEndpoints: boolean;
  readonly localNow: () => number;
  serverNow(url: string): Promise<number>;
  routeFor(peer: PeerKey): Promise<FriendRoute | undefined>;
  /** The stranger's announce seen in a joined room, if any. */
  strangerIn(url: string, room: string, peerId: string): StrangerAnnounce | undefined;
  /** Our mode in a joined room, or null. */
  modeIn(url: string, room: string): PresenceMode | null;
  /** Fetch the room and feed what it holds back through {@link ConnectSignals.ingest}. */
  scan(url: string, room: string, word: string): Promise<void>;
  isDisposed(): boolean;
}

/** A request still awaiting our answer, with how long the requester keeps waiting (for the page's countdown). */
export type PendingConnectRequest = InboundConnectRequest & { readonly expiresInMs: number };

type RememberedRequest = InboundConnectRequest & { readonly x25519?: string };

/**
 * `connect_request` / `connect_accept` between two peers in a room: sealing and publishing them,
 * recognising the ones addressed to us, and waiting for the accept of a request we sent.
 */
export class ConnectSignals {
  /** Requests we sent: nonce → where to look for the accept and who must sign it. */
  readonly #outbound = new Map<string, { url: string; room: string; word: string; expectFrom: PeerKey | null }>();
  readonly #accepts = new Map<string, ConnectSignal>();
  readonly #inbound = new Map<string, RememberedRequest>();
  /** Inbound requests we already accepted: no longer listed as pending. */
  readonly #answered = new Set<string>();
  /**
   * Each sender's newest request (sender master key → nonce). One request per sender waits: a
   * newer one replaces it, so nobody can stack prompts, or the connect ladders accepting them would
   * start, by publishing request after request.
   */
  readonly #newestFrom = new Map<string, string>();
  /** Requests a newer one from the same sender replaced: never listed, never accepted. */
  readonly #superseded = new Set<string>();
  readonly #onConnectRequest = new EventEmitter<InboundConnectRequest>();
  readonly onConnectRequest = this.#onConnectRequest.event;

  constructor(private readonly d: ConnectSignalsDeps) {}

  async publish(kind: 'connect_request' | 'connect_accept', args: ConnectRequestArgs): Promise<void> {
    if (!/^[0-9a-f]{16,64}$/.test(args.nonce)) throw new KithError('KITH_ERR_BAD_REQUEST', 'nonce must be 16-64 lowercase hex characters');
    const { persona } = this.d;
    const url = this.d.io.client(args.url).url;
    const room = roomForWord(args.word);
    const now = await this.d.serverNow(url);
    if (kind === 'connect_accept') this.#refuseIfExpired(args.nonce, now);
    const epoch = epochOf(now);
    const base = {
      k: kind, from: persona.info.masterPublicKey, fromPeerId: persona.info.peerId, nonce: args.nonce,
      punchAtMs: Math.round(args.punchAtMs), mode: this.d.modeIn(url, room),
      endpoints: publicOnly(args.endpoints, this.d.allowPrivateEndpoints), epoch, sentAt: Math.round(now),
    };
    let tag: string;
    let recipient: Uint8Array;
    let body: ConnectBody;
    let expectFrom: PeerKey | null;
    if ('peer' in args.to) {
      const route = await this.d.routeFor(args.to.peer);
      if (!route) throw new KithError('KITH_ERR_NOT_FOUND', 'That peer is not a saved friend');
      tag = this.d.routing.outboundTag(route, epoch);
      recipient = route.theirKey;
      body = { ...base, to: route.friend.peer } as ConnectBody;
      expectFrom = route.friend.peer;
    } else {
      const stranger = this.#stranger(url, room, args.to.peerId, args.nonce);
      if (!stranger) throw new KithError('KITH_ERR_NOT_FOUND', 'No announcement from that peer id in this room');
      tag = strangerTag(stranger.x25519, epoch);
      recipient = hexToBytes(stranger.x25519);
      body = { ...base, to: args.to.peerId, x25519: bytesToHex(persona.x25519.publicKey) } as ConnectBody;
      expectFrom = stranger.master;
    }
    const envelope = sealEnvelope(kind, tag, signPayload(body, (m) => persona.sign(m)), recipient);
    const owner = ownerSecret(randomBytes(32), kind, args.nonce, epoch);
    await this.d.io.publish(url, room, encodeEnvelope(envelope), owner, kind);
    if (kind === 'connect_request') this.#outbound.set(args.nonce, { url, room, word: args.word, expectFrom });
    else this.#answered.add(args.nonce);
    // Signals are short-lived: take them down once the exchange is surely over.
    setTimeout(() => void this.d.io.unpublishOne(url, room, owner), SIGNAL_MAX_AGE_MS).unref();
  }

  async awaitAccept(nonce: string, timeoutMs: number): Promise<ConnectSignal> {
    const outbound = this.#outbound.get(nonce);
    if (!outbound) throw new KithError('KITH_ERR_NOT_FOUND', 'No connect request was published with that nonce');
    const deadline = this.d.localNow() + timeoutMs;
    for (;;) {
      const found = this.#accepts.get(nonce);
      if (found) {
        this.#outbound.delete(nonce);
        return found;
      }
      if (this.d.isDisposed()) throw new KithError('KITH_ERR_LOCKED');
      if (this.d.localNow() >= deadline) {
        this.#outbound.delete(nonce);
        throw new KithError('KITH_ERR_TIMEOUT', 'The peer did not accept in time');
      }
      try {
        await this.d.scan(outbound.url, outbound.room, outbound.word);
      } catch {
        // A failed fetch is retried until the deadline.
      }
      if (this.#accepts.has(nonce)) continue;
      await new Promise((r) => setTimeout(r, Math.min(ACCEPT_POLL_MS, Math.max(0, deadline - this.d.localNow()))));
    }
  }

  /** Take in the requests and accepts one room fetch found; fires onConnectRequest once per nonce. */
  ingest(url: string, word: string, scan: RoomScan, serverNow: number, mode: PresenceMode | null): void {
    const fresh: InboundConnectRequest[] = [];
    for (const found of scan.requests) {
      if (serverNow - found.storedAt > SIGNAL_MAX_AGE_MS || this.#inbound.has(found.body.nonce)) continue;
      // The requester stopped waiting: never prompt for it (a late accept would punch at nobody).
      const expiresAt = expiryOf(found);
      if (serverNow >= expiresAt) continue;
      if (this.#inbound.size >= MAX_INBOUND) this.#forget(this.#inbound.keys().next().value!);
      const request = { ...this.#signal(url, word, found), autoAccept: mode === 'auto' && found.route !== null, expiresAt };
      this.#inbound.set(found.body.nonce, { ...request, x25519: found.body.x25519 });
      const previous = this.#inbound.get(this.#newestFrom.get(request.from) ?? '');
      if (previous && previous.sentAt > request.sentAt) {
        this.#superseded.add(request.nonce); // an older one, found after its successor
        continue;
      }
      if (previous) this.#superseded.add(previous.nonce);
      this.#newestFrom.set(request.from, request.nonce);
      fresh.push(request);
    }
    // Once per sender and fetch: the newest of what it holds.
    for (const request of fresh) if (this.#newestFrom.get(request.from) === request.nonce) this.#onConnectRequest.fire(request);
    for (const found of scan.accepts) {
      const outbound = this.#outbound.get(found.body.nonce);
      if (!outbound || serverNow - found.storedAt > SIGNAL_MAX_AGE_MS) continue;
      if (outbound.expectFrom !== null && outbound.expectFrom !== found.body.from) continue;
      this.#accepts.set(found.body.nonce, this.#signal(url, word, found));
    }
    for (const [nonce, r] of this.#inbound) {
      if (serverNow - r.sentAt > SIGNAL_MEMORY_MS) this.#forget(nonce);
    }
    for (const [nonce, a] of this.#accepts) if (serverNow - a.sentAt > SIGNAL_MEMORY_MS) this.#accepts.delete(nonce);
  }

  /** Inbound requests of one room the requester still waits for, with auto_accept for `mode`. */
  pending(url: string, word: string, serverNow: number, mode: PresenceMode): PendingConnectRequest[] {
    return [...this.#inbound.values()]
      .filter((r) => r.url === url && r.word === word && serverNow < r.expiresAt && !this.#answered.has(r.nonce) && !this.#superseded.has(r.nonce))
      .map(({ x25519: _x, ...r }) => ({ ...r, autoAccept: mode === 'auto' && r.friend, expiresInMs: r.expiresAt - serverNow }));
  }

  /** An accept for a request whose requester gave up is refused with a message that says so. */
  #refuseIfExpired(nonce: string, serverNow: number): void {
    const request = this.#inbound.get(nonce);
    if (request && this.#superseded.has(nonce)) {
      throw new KithError('KITH_ERR_CONFLICT', 'The requester sent a newer connect request since: answer that one');
    }
    if (!request || serverNow < request.expiresAt) return;
    const seconds = Math.round(CONNECT_REQUEST_TTL_MS / 1000);
    throw new KithError('KITH_ERR_TIMEOUT', `The connect request expired: the requester stopped waiting after ${seconds} s. Ask them to connect again, or connect to them.`);
  }

  dispose(): void {
    this.#onConnectRequest.dispose();
    this.#outbound.clear();
    this.#accepts.clear();
    this.#inbound.clear();
    this.#answered.clear();
    this.#newestFrom.clear();
    this.#superseded.clear();
  }

  #forget(nonce: string): void {
    const request = this.#inbound.get(nonce);
    this.#inbound.delete(nonce);
    this.#answered.delete(nonce);
    this.#superseded.delete(nonce);
    if (request && this.#newestFrom.get(request.from) === nonce) this.#newestFrom.delete(request.from);
  }

  #signal(url: string, word: string, found: ConnectFound): ConnectSignal {
    return {
      url, word, nonce: found.body.nonce, punchAtMs: found.body.punchAtMs, from: found.body.from, fromPeerId: found.body.fromPeerId,
      friend: found.route !== null, mode: found.body.mode, endpoints: publicOnly(found.body.endpoints, this.d.allowPrivateEndpoints),
      sentAt: found.body.sentAt,
    };
  }

  /** A stranger to answer or address: from the inbound request with that nonce, else the room's announces. */
  #stranger(url: string, room: string, peerId: string, nonce: string): StrangerAnnounce | undefined {
    const inbound = this.#inbound.get(nonce);
    if (inbound && inbound.fromPeerId === peerId && inbound.x25519) {
      return { peerId, master: inbound.from, x25519: inbound.x25519, storedAt: inbound.sentAt };
    }
    return this.d.strangerIn(url, room, peerId);
  }
}
