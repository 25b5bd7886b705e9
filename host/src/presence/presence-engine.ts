import { EventEmitter, KithError, type Friend, type PeerKey } from '@kith/sdk';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { TraceLog } from '../core/trace-log.js';
import { RendezvousClient } from '../../../rendezvous/src/peer/client.js';
import { encodeEnvelope } from '../../../rendezvous/src/peer/envelope.js';
import type { ConnectBody, SealedAnnounceBody } from '../../../rendezvous/src/peer/payloads.js';
import { roomForWord } from '../../../rendezvous/src/peer/room.js';
import { acceptedEpochs, epochOf, strangerTag } from '../../../rendezvous/src/peer/routing-tag.js';
import { sealEnvelope } from '../../../rendezvous/src/peer/seal.js';
import { signPayload } from '../../../rendezvous/src/peer/signed-payload.js';
import { FriendRouting, type FriendRoute } from './friend-routing.js';
import { publicOnly } from './public-endpoints.js';
import { scanRoom, type ConnectFound, type RoomScan, type StrangerAnnounce } from './room-scan.js';
import type { RoomTracker } from './room-tracker.js';
import type { ServerClocks } from './server-clock.js';
import type {
  ConnectRequestArgs, ConnectSignal, InboundConnectRequest, LastSeen, PresenceMode, PublicEndpoints,
} from './signalling.js';

/** Re-publish unchanged presence at least this often (entries live 10 minutes). */
export const REPUBLISH_MS = 4 * 60_000;
/** Connect requests/accepts older than this (server clock) are ignored. */
export const SIGNAL_MAX_AGE_MS = 90_000;
/** How often `awaitConnectAccept` fetches the room. */
export const ACCEPT_POLL_MS = 500;
/** Publishes in flight at once per room refresh (many friends must not burst into the server's rate limit). */
const PUBLISH_CONCURRENCY = 6;
/** Inbound requests remembered at most (a room holds at most a few hundred entries anyway). */
const MAX_INBOUND = 1_000;

/** One peer row of a join/poll answer. */
export interface RoomPeer {
  readonly peerId: string;
  readonly master: PeerKey;
  readonly label: string | null;
  readonly friend: boolean;
  readonly mode: PresenceMode | null;
  readonly hasIpv4: boolean;
  readonly hasIpv6: boolean;
  /** Unix ms (server clock) of the peer's publish. */
  readonly seenAt: number;
}

/** What join and poll answer. */
export interface PollResult {
  readonly room: string;
  readonly mode: PresenceMode;
  readonly showStrangers: boolean;
  /** Friends first (by label), then strangers (only while showStrangers). */
  readonly peers: RoomPeer[];
  /** Inbound connect requests addressed to us that are still fresh; `label` is the friend's label. */
  readonly requests: Array<InboundConnectRequest & { readonly label: string | null }>;
}

interface JoinedRoom {
  readonly url: string;
  readonly word: string;
  readonly room: string;
  mode: PresenceMode;
  showStrangers: boolean;
  /** Random per join: owner tags derive from it, so joins are unlinkable to each other. */
  readonly ownerSecret: Uint8Array;
  /** friend peer key (or `announce`) → what we last published for it. */
  readonly published: Map<string, { owner: string; epoch: number; fingerprint: string; at: number }>;
  strangers: Map<string, StrangerAnnounce>;
  queue: Promise<unknown>;
}

export interface PresenceEngineOptions {
  readonly persona: ActivePersona;
  readonly friends: () => Promise<readonly Friend[]>;
  readonly tracker: RoomTracker;
  readonly log: TraceLog;
  readonly clocks: ServerClocks;
  readonly endpoints: () => Promise<PublicEndpoints>;
  readonly allowPrivateEndpoints: boolean;
  readonly localNow: () => number;
  readonly clientTimeoutMs?: number;
}

/**
 * Sealed presence and connect signalling for one unlocked persona. Created on unlock, disposed
 * (after unpublishing everything) on lock, persona switch and host stop.
 */
export class PresenceEngine {
  readonly #o: PresenceEngineOptions;
  readonly #routing: FriendRouting;
  readonly #joined = new Map<string, JoinedRoom>();
  readonly #clients = new Map<string, RendezvousClient>();
  readonly #lastSeen = new Map<PeerKey, LastSeen>();
  /** Requests we sent: nonce → where to look for the accept and who must sign it. */
  readonly #outbound = new Map<string, { url: string; room: string; word: string; expectFrom: PeerKey | null }>();
  readonly #accepts = new Map<string, ConnectSignal>();
  readonly #inbound = new Map<string, InboundConnectRequest & { x25519?: string; to: string }>();
  readonly #onConnectRequest = new EventEmitter<InboundConnectRequest>();
  readonly onConnectRequest = this.#onConnectRequest.event;
  #disposed = false;

  constructor(options: PresenceEngineOptions) {
    this.#o = options;
    this.#routing = new FriendRouting(options.persona);
  }

  get persona(): ActivePersona {
    return this.#o.persona;
  }

  client(url: string): RendezvousClient {
    const probe = new RendezvousClient(url, { timeoutMs: this.#o.clientTimeoutMs });
    const known = this.#clients.get(probe.url);
    if (known) return known;
    this.#clients.set(probe.url, probe);
    return probe;
  }

  serverNow(url: string): Promise<number> {
    return this.#o.clocks.now(this.client(url));
  }

  /** Join (or update) a room: publish presence, fetch, answer peers and requests. */
  async join(url: string, word: string, mode: PresenceMode = 'manual', showStrangers = false): Promise<PollResult> {
    const client = this.client(url);
    const room = roomForWord(word);
    const key = `${client.url} ${room}`;
    let joined = this.#joined.get(key);
    if (!joined) {
      joined = {
        url: client.url, word, room, mode, showStrangers, ownerSecret: randomBytes(32), published: new Map(),
        strangers: new Map(), queue: Promise.resolve(),
      };
      this.#joined.set(key, joined);
    }
    joined.mode = mode;
    joined.showStrangers = showStrangers;
    const run = joined.queue.then(() => this.#refresh(joined!));
    joined.queue = run.catch(() => undefined);
    return run;
  }

  /** Like join, keeping the room's mode and strangers setting unless given. */
  poll(url: string, word: string, mode?: PresenceMode, showStrangers?: boolean): Promise<PollResult> {
    const existing = this.#joined.get(`${this.client(url).url} ${roomForWord(word)}`);
    return this.join(url, word, mode ?? existing?.mode ?? 'manual', showStrangers ?? existing?.showStrangers ?? false);
  }

  /** Unpublish every owner we used in the room and forget it. */
  async leave(url: string, word: string): Promise<number> {
    const client = this.client(url);
    const room = roomForWord(word);
    const joined = this.#joined.get(`${client.url} ${room}`);
    this.#joined.delete(`${client.url} ${room}`);
    if (joined) await joined.queue;
    return this.unpublishWhere({ url: client.url, room });
  }

  /** Unpublish tracked owners matching `filter` (all when empty); returns how many were removed. */
  async unpublishWhere(filter: { url?: string; room?: string; source?: string }): Promise<number> {
    const owners = this.#o.tracker.list(filter);
    await Promise.all(owners.map(async (entry) => {
      const started = this.#o.localNow();
      try {
        await this.client(entry.url).unpublish(entry.room, entry.owner);
        this.#trace('unpublish', 'ok', entry.url, entry.room, started, entry.source);
      } catch (error) {
        this.#trace('unpublish', 'failed', entry.url, entry.room, started, (error as Error).message);
      }
      this.#o.tracker.untrack(entry.url, entry.room, entry.owner);
    }));
    return owners.length;
  }

  lastSeen(peer: PeerKey): LastSeen | undefined {
    return this.#lastSeen.get(peer);
  }

  joinedRooms(): Array<{ url: string; room: string; mode: PresenceMode; showStrangers: boolean }> {
    return [...this.#joined.values()].map((j) => ({ url: j.url, room: j.room, mode: j.mode, showStrangers: j.showStrangers }));
  }

  async publishConnect(kind: 'connect_request' | 'connect_accept', args: ConnectRequestArgs): Promise<void> {
    if (!/^[0-9a-f]{16,64}$/.test(args.nonce)) throw new KithError('KITH_ERR_BAD_REQUEST', 'nonce must be 16-64 lowercase hex characters');
    const client = this.client(args.url);
    const room = roomForWord(args.word);
    const persona = this.#o.persona;
    const now = await this.serverNow(client.url);
    const epoch = epochOf(now);
    const joined = this.#joined.get(`${client.url} ${room}`);
    const base = {
      k: kind, from: persona.info.masterPublicKey, fromPeerId: persona.info.peerId, nonce: args.nonce,
      punchAtMs: Math.round(args.punchAtMs), mode: joined?.mode ?? null,
      endpoints: publicOnly(args.endpoints, this.#o.allowPrivateEndpoints), epoch, sentAt: Math.round(now),
    };
    let tag: string;
    let recipient: Uint8Array;
    let body: ConnectBody;
    let expectFrom: PeerKey | null;
    if ('peer' in args.to) {
      const route = await this.#routeFor(args.to.peer);
      if (!route) throw new KithError('KITH_ERR_NOT_FOUND', 'That peer is not a saved friend');
      tag = this.#routing.outboundTag(route, epoch);
      recipient = route.theirKey;
      body = { ...base, to: route.friend.peer } as ConnectBody;
      expectFrom = route.friend.peer;
    } else {
      const stranger = this.#strangerFor(client.url, room, args.to.peerId, args.nonce);
      if (!stranger) throw new KithError('KITH_ERR_NOT_FOUND', 'No announcement from that peer id in this room');
      tag = strangerTag(stranger.x25519, epoch);
      recipient = hexToBytes(stranger.x25519);
      body = { ...base, to: args.to.peerId, x25519: bytesToHex(persona.x25519.publicKey) } as ConnectBody;
      expectFrom = stranger.master;
    }
    const envelope = sealEnvelope(kind, tag, signPayload(body, (m) => persona.sign(m)), recipient);
    const owner = this.#owner(randomBytes(32), kind, args.nonce, epoch);
    await this.#publish(client, room, encodeEnvelope(envelope), owner, kind);
    if (kind === 'connect_request') this.#outbound.set(args.nonce, { url: client.url, room, word: args.word, expectFrom });
    // Signals are short-lived: take them down once the exchange is surely over.
    setTimeout(() => void this.#unpublishOne(client.url, room, owner), SIGNAL_MAX_AGE_MS).unref();
  }

  async awaitConnectAccept(nonce: string, timeoutMs: number): Promise<ConnectSignal> {
    const outbound = this.#outbound.get(nonce);
    if (!outbound) throw new KithError('KITH_ERR_NOT_FOUND', 'No connect request was published with that nonce');
    const deadline = this.#o.localNow() + timeoutMs;
    for (;;) {
      const found = this.#accepts.get(nonce);
      if (found) {
        this.#outbound.delete(nonce);
        return found;
      }
      if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
      if (this.#o.localNow() >= deadline) {
        this.#outbound.delete(nonce);
        throw new KithError('KITH_ERR_TIMEOUT', 'The peer did not accept in time');
      }
      try {
        await this.#scan(outbound.url, outbound.room, outbound.word);
      } catch {
        // A failed fetch is retried until the deadline.
      }
      if (this.#accepts.has(nonce)) continue;
      await new Promise((r) => setTimeout(r, Math.min(ACCEPT_POLL_MS, Math.max(0, deadline - this.#o.localNow()))));
    }
  }

  /** Unpublish everything and stop. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all([...this.#joined.values()].map((j) => j.queue));
    this.#joined.clear();
    await this.unpublishWhere({});
    this.#onConnectRequest.dispose();
    this.#routing.clear();
    this.#lastSeen.clear();
  }

  // -------------------------------------------------------------------------------------------

  async #refresh(joined: JoinedRoom): Promise<PollResult> {
    if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
    const client = this.client(joined.url);
    const now = await this.serverNow(joined.url);
    const epoch = epochOf(now);
    const routes = await this.#routes();
    const endpoints = await this.#endpoints();
    await this.#publishPresence(client, joined, routes, epoch, now, endpoints);
    const scan = await this.#scan(joined.url, joined.room, joined.word, routes, now);
    return this.#answer(joined, scan, routes, now);
  }

  async #publishPresence(
    client: RendezvousClient, joined: JoinedRoom, routes: readonly FriendRoute[], epoch: number, now: number, endpoints: PublicEndpoints,
  ): Promise<void> {
    const persona = this.#o.persona;
    const me = persona.info.masterPublicKey;
    const fingerprint = JSON.stringify([joined.mode, endpoints]);
    const jobs: Array<() => Promise<void>> = [];
    const wanted = new Set<string>();
    for (const route of routes) {
      wanted.add(route.friend.peer);
      const last = joined.published.get(route.friend.peer);
      if (last && last.epoch === epoch && last.fingerprint === fingerprint && now - last.at < REPUBLISH_MS) continue;
      const body: SealedAnnounceBody = {
        k: 'sealed_announce', from: me, to: route.friend.peer, peerId: persona.info.peerId, mode: joined.mode, endpoints,
        epoch, sentAt: Math.round(now),
      };
      const envelope = sealEnvelope('sealed_announce', this.#routing.outboundTag(route, epoch), signPayload(body, (m) => persona.sign(m)), route.theirKey);
      const owner = this.#owner(joined.ownerSecret, 'presence', route.friend.peer, epoch);
      jobs.push(() => this.#replace(client, joined, route.friend.peer, owner, encodeEnvelope(envelope), epoch, fingerprint, now, 'sealed_announce'));
    }
    if (joined.showStrangers) {
      wanted.add('announce');
      const last = joined.published.get('announce');
      if (!last || last.epoch !== epoch || now - last.at >= REPUBLISH_MS) {
        const signed = signPayload(
          { k: 'announce', peerId: persona.info.peerId, master: me, x25519: bytesToHex(persona.x25519.publicKey), sentAt: Math.round(now) },
          (m) => persona.sign(m),
        );
        const owner = this.#owner(joined.ownerSecret, 'announce', '', epoch);
        jobs.push(() => this.#replace(client, joined, 'announce', owner, encodeEnvelope({ v: 1, t: 'announce', ...signed }), epoch, '', now, 'announce'));
      }
    }
    // Friends removed and the plaintext announce switched off: take their blobs down now.
    for (const [key, last] of joined.published) {
      if (wanted.has(key)) continue;
      joined.published.delete(key);
      jobs.push(() => this.#unpublishOne(joined.url, joined.room, last.owner));
    }
    await runPooled(jobs, PUBLISH_CONCURRENCY);
  }

  async #replace(
    client: RendezvousClient, joined: JoinedRoom, key: string, owner: string, blob: string, epoch: number, fingerprint: string,
    now: number, what: string,
  ): Promise<void> {
    const previous = joined.published.get(key);
    try {
      await this.#publish(client, joined.room, blob, owner, what);
    } catch {
      return; // traced; the next poll retries
    }
    joined.published.set(key, { owner, epoch, fingerprint, at: now });
    // A new epoch means a new owner tag: drop the old entry so epochs stay unlinkable.
    if (previous && previous.owner !== owner) await this.#unpublishOne(joined.url, joined.room, previous.owner);
  }

  async #publish(client: RendezvousClient, room: string, blob: string, owner: string, what: string): Promise<void> {
    const started = this.#o.localNow();
    this.#o.tracker.track({ url: client.url, room, owner, source: 'presence', publishedAt: started });
    try {
      await client.publish(room, blob, owner);
      this.#trace('publish', 'ok', client.url, room, started, what);
    } catch (error) {
      this.#trace('publish', 'failed', client.url, room, started, `${what}: ${(error as Error).message}`);
      throw error;
    }
  }

  async #unpublishOne(url: string, room: string, owner: string): Promise<void> {
    if (!this.#o.tracker.list({ url, room }).some((e) => e.owner === owner)) return;
    const started = this.#o.localNow();
    try {
      await this.client(url).unpublish(room, owner);
      this.#o.tracker.untrack(url, room, owner);
      this.#trace('unpublish', 'ok', url, room, started);
    } catch (error) {
      this.#trace('unpublish', 'failed', url, room, started, (error as Error).message); // stays tracked: retried on leave/lock
    }
  }

  async #scan(url: string, room: string, word: string, routes?: readonly FriendRoute[], serverNow?: number): Promise<RoomScan> {
    const client = this.client(url);
    const now = serverNow ?? (await this.serverNow(url));
    const friendRoutes = routes ?? (await this.#routes());
    const started = this.#o.localNow();
    let entries;
    try {
      entries = await client.fetch(room);
      this.#trace('fetch', 'ok', url, room, started, `${entries.length} entries`);
    } catch (error) {
      this.#trace('fetch', 'failed', url, room, started, (error as Error).message);
      throw error;
    }
    const scan = scanRoom(entries, this.#o.persona, this.#routing, friendRoutes, acceptedEpochs(now));
    const joined = this.#joined.get(`${client.url} ${room}`);
    if (joined) joined.strangers = new Map(scan.strangers.map((s) => [s.peerId, s]));
    for (const f of scan.friends) {
      const seen: LastSeen = {
        peer: f.route.friend.peer, url: client.url, word, peerId: f.body.peerId, mode: f.body.mode,
        endpoints: publicOnly(f.body.endpoints, this.#o.allowPrivateEndpoints), seenAt: this.#o.localNow(),
      };
      const previous = this.#lastSeen.get(seen.peer);
      if (!previous || previous.seenAt <= seen.seenAt) this.#lastSeen.set(seen.peer, seen);
    }
    const mode = joined?.mode ?? null;
    for (const found of scan.requests) {
      if (now - found.storedAt > SIGNAL_MAX_AGE_MS || this.#inbound.has(found.body.nonce)) continue;
      if (this.#inbound.size >= MAX_INBOUND) this.#inbound.delete(this.#inbound.keys().next().value!);
      const request = { ...this.#signal(client.url, word, found), autoAccept: mode === 'auto' && found.route !== null };
      this.#inbound.set(found.body.nonce, { ...request, x25519: found.body.x25519, to: found.body.fromPeerId });
      this.#onConnectRequest.fire(request);
    }
    for (const found of scan.accepts) {
      const outbound = this.#outbound.get(found.body.nonce);
      if (!outbound || now - found.storedAt > SIGNAL_MAX_AGE_MS) continue;
      if (outbound.expectFrom !== null && outbound.expectFrom !== found.body.from) continue;
      this.#accepts.set(found.body.nonce, this.#signal(client.url, word, found));
    }
    this.#expireSignals(now);
    return scan;
  }

  #answer(joined: JoinedRoom, scan: RoomScan, routes: readonly FriendRoute[], now: number): PollResult {
    const peers = new Map<string, RoomPeer>();
    for (const f of scan.friends) {
      const previous = peers.get(f.route.friend.peer);
      if (previous && previous.seenAt >= f.storedAt) continue;
      peers.set(f.route.friend.peer, {
        peerId: f.body.peerId, master: f.route.friend.peer, label: f.route.friend.label, friend: true, mode: f.body.mode,
        hasIpv4: f.body.endpoints.ipv4 !== null, hasIpv6: f.body.endpoints.ipv6 !== null, seenAt: f.storedAt,
      });
    }
    const friendByMaster = new Map(routes.map((r) => [r.friend.peer, r.friend] as const));
    for (const s of scan.strangers) {
      if (peers.has(s.master)) continue;
      const friend = friendByMaster.get(s.master);
      if (!friend && !joined.showStrangers) continue;
      peers.set(s.master, {
        peerId: s.peerId, master: s.master, label: friend?.label ?? null, friend: friend !== undefined, mode: null,
        hasIpv4: false, hasIpv6: false, seenAt: s.storedAt,
      });
    }
    const sorted = [...peers.values()].sort((a, b) =>
      a.friend !== b.friend ? (a.friend ? -1 : 1) : (a.label ?? a.peerId).localeCompare(b.label ?? b.peerId));
    const requests = [...this.#inbound.values()]
      .filter((r) => r.url === joined.url && r.word === joined.word && now - r.sentAt <= SIGNAL_MAX_AGE_MS)
      .map(({ x25519: _x, to: _t, ...r }) => ({
        ...r, label: friendByMaster.get(r.from)?.label ?? null, autoAccept: joined.mode === 'auto' && r.friend,
      }));
    return { room: joined.room, mode: joined.mode, showStrangers: joined.showStrangers, peers: sorted, requests };
  }

  #signal(url: string, word: string, found: ConnectFound): ConnectSignal {
    return {
      url, word, nonce: found.body.nonce, punchAtMs: found.body.punchAtMs, from: found.body.from, fromPeerId: found.body.fromPeerId,
      friend: found.route !== null, mode: found.body.mode, endpoints: publicOnly(found.body.endpoints, this.#o.allowPrivateEndpoints),
      sentAt: found.body.sentAt,
    };
  }

  #expireSignals(now: number): void {
    for (const [nonce, r] of this.#inbound) if (now - r.sentAt > 10 * 60_000) this.#inbound.delete(nonce);
    for (const [nonce, a] of this.#accepts) if (now - a.sentAt > 10 * 60_000) this.#accepts.delete(nonce);
  }

  #strangerFor(url: string, room: string, peerId: string, nonce: string): StrangerAnnounce | undefined {
    const inbound = this.#inbound.get(nonce);
    if (inbound && inbound.fromPeerId === peerId && inbound.x25519) {
      return { peerId, master: inbound.from, x25519: inbound.x25519, storedAt: inbound.sentAt };
    }
    return this.#joined.get(`${url} ${room}`)?.strangers.get(peerId);
  }

  async #routes(): Promise<FriendRoute[]> {
    const friends = await this.#o.friends();
    return friends.map((f) => this.#routing.route(f)).filter((r): r is FriendRoute => r !== undefined);
  }

  async #routeFor(peer: PeerKey): Promise<FriendRoute | undefined> {
    return (await this.#routes()).find((r) => r.friend.peer === peer);
  }

  async #endpoints(): Promise<PublicEndpoints> {
    try {
      return publicOnly(await this.#o.endpoints(), this.#o.allowPrivateEndpoints);
    } catch {
      return { ipv4: null, ipv6: null };
    }
  }

  /** An owner tag derived from a secret the server never sees: rotates with the epoch. */
  #owner(secret: Uint8Array, purpose: string, subject: string, epoch: number): string {
    const mac = hmac(sha256, secret, utf8ToBytes(`${purpose}|${subject}|${epoch}`));
    return Buffer.from(mac.subarray(0, 16)).toString('base64url');
  }

  #trace(stage: string, outcome: 'ok' | 'failed', url: string, room: string, started: number, detail?: string): void {
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      // keep the raw string
    }
    this.#o.log.add('presence', {
      stage, outcome, ms: this.#o.localNow() - started,
      detail: `${host} room ${room.slice(0, 8)}…${detail ? ` ${detail}` : ''}`,
    });
  }
}

/** Run `jobs` with at most `limit` in flight. Jobs handle their own errors. */
async function runPooled(jobs: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
