import { KithError, type Friend, type PeerKey, type RendezvousRooms } from '@kith/sdk';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { ActivePersona } from '../core/persona-gate.js';
import type { TraceLog } from '../core/trace-log.js';
import type { RendezvousClient } from '../../../rendezvous/src/peer/client.js';
import { encodeEnvelope } from '../../../rendezvous/src/peer/envelope.js';
import type { SealedAnnounceBody } from '../../../rendezvous/src/peer/payloads.js';
import { roomForWord } from '../../../rendezvous/src/peer/room.js';
import { acceptedEpochs, epochOf } from '../../../rendezvous/src/peer/routing-tag.js';
import { sealEnvelope } from '../../../rendezvous/src/peer/seal.js';
import { signPayload } from '../../../rendezvous/src/peer/signed-payload.js';
import { ConnectSignals } from './connect-signals.js';
import { FriendRouting, type FriendRoute } from './friend-routing.js';
import { ownerSecret } from './owner-secret.js';
import { publicOnly } from './public-endpoints.js';
import { buildAnswer, type PollResult } from './room-answer.js';
import { RoomIo } from './room-io.js';
import { scanRoom, type RoomScan, type StrangerAnnounce } from './room-scan.js';
import type { RoomTracker } from './room-tracker.js';
import type { ServerClocks } from './server-clock.js';
import type { ConnectRequestArgs, ConnectSignal, LastSeen, PresenceMode, PublicEndpoints } from './signalling.js';

export type { PollResult, RoomPeer } from './room-answer.js';

/** Re-publish unchanged presence at least this often (entries live 10 minutes). */
export const REPUBLISH_MS = 4 * 60_000;
/** Publishes in flight at once per room refresh (many friends must not burst into the server's rate limit). */
const PUBLISH_CONCURRENCY = 6;

interface JoinedRoom {
  readonly url: string;
  readonly word: string;
  readonly room: string;
  mode: PresenceMode;
  showStrangers: boolean;
  /** Random per join: owner secrets derive from it, so joins are unlinkable to each other. */
  readonly ownerSeed: Uint8Array;
  /** friend peer key (or `announce`) → what we last published for it. */
  readonly published: Map<string, { owner: string; epoch: number; fingerprint: string; at: number }>;
  strangers: Map<string, StrangerAnnounce>;
  /** Refreshes of one room run one after another. */
  queue: Promise<unknown>;
}

export interface PresenceEngineOptions {
  readonly persona: ActivePersona;
  /** Distinct per engine (unlock session); see RoomIo. */
  readonly session: number;
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
  readonly #io: RoomIo;
  readonly #signals: ConnectSignals;
  readonly #joined = new Map<string, JoinedRoom>();
  readonly #lastSeen = new Map<PeerKey, LastSeen>();
  #disposed = false;

  constructor(options: PresenceEngineOptions) {
    this.#o = options;
    this.#routing = new FriendRouting(options.persona);
    this.#io = new RoomIo({
      tracker: options.tracker, session: options.session, localNow: options.localNow, clientTimeoutMs: options.clientTimeoutMs,
      // Traced for this persona only: an unpublish that ends after a switch is not shown to the next one.
      log: { add: (source, entry) => options.log.add(source, entry, options.persona.info.masterPublicKey) },
    });
    this.#signals = new ConnectSignals({
      persona: options.persona,
      routing: this.#routing,
      io: this.#io,
      allowPrivateEndpoints: options.allowPrivateEndpoints,
      localNow: options.localNow,
      serverNow: (url) => this.serverNow(url),
      routeFor: async (peer) => (await this.#routes()).find((r) => r.friend.peer === peer),
      strangerIn: (url, room, peerId) => this.#joined.get(`${url} ${room}`)?.strangers.get(peerId),
      modeIn: (url, room) => this.#joined.get(`${url} ${room}`)?.mode ?? null,
      scan: async (url, room, word) => {
        await this.#scan(url, room, word);
      },
      isDisposed: () => this.#disposed,
    });
  }

  get persona(): ActivePersona {
    return this.#o.persona;
  }

  /** Inbound connect requests, once per nonce. */
  get onConnectRequest(): ConnectSignals['onConnectRequest'] {
    return this.#signals.onConnectRequest;
  }

  client(url: string): RendezvousClient {
    return this.#io.client(url);
  }

  serverNow(url: string): Promise<number> {
    return this.#o.clocks.now(this.#io.client(url));
  }

  /** Join (or update) a room: publish presence, fetch, answer peers and requests. */
  async join(url: string, word: string, mode: PresenceMode = 'manual', showStrangers = false): Promise<PollResult> {
    if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
    const client = this.#io.client(url);
    const room = roomForWord(word);
    const key = `${client.url} ${room}`;
    let joined = this.#joined.get(key);
    const isNew = !joined;
    if (!joined) {
      joined = {
        url: client.url, word, room, mode, showStrangers, ownerSeed: randomBytes(32), published: new Map(),
        strangers: new Map(), queue: Promise.resolve(),
      };
      this.#joined.set(key, joined);
    }
    joined.mode = mode;
    joined.showStrangers = showStrangers;
    const target = joined;
    const run = target.queue.then(() => this.#refresh(target));
    const settled: Promise<void> = run.then(() => undefined, () => {
      // A first join the server refused or never answered is not a room this persona is in (it
      // showed under `joined` in diagnostics); one that worked before stays, and is tried again,
      // as does one another join or poll queued behind (it decides for itself).
      const last = target.queue === settled;
      if (isNew && last && target.published.size === 0 && this.#joined.get(key) === target) this.#joined.delete(key);
    });
    target.queue = settled;
    return run;
  }

  /** Like join, keeping the room's mode and strangers setting unless given. */
  poll(url: string, word: string, mode?: PresenceMode, showStrangers?: boolean): Promise<PollResult> {
    const existing = this.#joined.get(`${this.#io.client(url).url} ${roomForWord(word)}`);
    return this.join(url, word, mode ?? existing?.mode ?? 'manual', showStrangers ?? existing?.showStrangers ?? false);
  }

  /** Unpublish every owner we used in the room and forget it. */
  async leave(url: string, word: string): Promise<number> {
    const client = this.#io.client(url);
    const room = roomForWord(word);
    const joined = this.#joined.get(`${client.url} ${room}`);
    this.#joined.delete(`${client.url} ${room}`);
    if (joined) await joined.queue;
    return this.#io.unpublishWhere({ url: client.url, room });
  }

  /**
   * Rooms this unlock session published in or joined (`ctx.diagnostics.rooms()`): not a former
   * session's or another persona's, even while those are still being unpublished. A room joined
   * by word shows that word (kept in memory only, like the join itself).
   */
  rooms(): RendezvousRooms {
    const joined = [...this.#joined.values()].map((j) => ({ url: j.url, room: j.room, word: j.word, mode: j.mode, showStrangers: j.showStrangers }));
    const wordOf = new Map(joined.map((j) => [`${j.url} ${j.room}`, j.word]));
    const tracked = this.#o.tracker.rooms({ session: this.#o.session })
      .map((r) => ({ ...r, word: wordOf.get(`${r.url} ${r.room}`) ?? null }));
    return { tracked, joined };
  }

  /** Unpublish this session's tracked owners matching `filter` (all when empty). */
  unpublishWhere(filter: { url?: string; room?: string; source?: string }): Promise<number> {
    return this.#io.unpublishWhere(filter);
  }

  /** A raw, tracked publish for an extension (`ctx.rendezvous`). */
  publishRaw(source: string, url: string, room: string, blob: string, owner: string): Promise<void> {
    if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
    return this.#io.publish(url, room, blob, owner, 'raw', source);
  }

  /** A raw unpublish for an extension; forgets the owner even when the server already dropped it. */
  async unpublishRaw(url: string, room: string, owner: string): Promise<void> {
    const client = this.#io.client(url);
    await client.unpublish(room, owner);
    this.#o.tracker.untrack(client.url, room, owner);
  }

  lastSeen(peer: PeerKey): LastSeen | undefined {
    return this.#lastSeen.get(peer);
  }

  publishConnect(kind: 'connect_request' | 'connect_accept', args: ConnectRequestArgs): Promise<void> {
    if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
    return this.#signals.publish(kind, args);
  }

  awaitConnectAccept(nonce: string, timeoutMs: number): Promise<ConnectSignal> {
    return this.#signals.awaitAccept(nonce, timeoutMs);
  }

  /** Unpublish everything and stop. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all([...this.#joined.values()].map((j) => j.queue));
    this.#joined.clear();
    await this.#io.unpublishWhere({});
    this.#signals.dispose();
    this.#routing.clear();
    this.#lastSeen.clear();
  }

  // -------------------------------------------------------------------------------------------

  async #refresh(joined: JoinedRoom): Promise<PollResult> {
    if (this.#disposed) throw new KithError('KITH_ERR_LOCKED');
    const now = await this.serverNow(joined.url);
    const routes = await this.#routes();
    const endpoints = await this.#endpoints();
    await this.#publishPresence(joined, routes, epochOf(now), now, endpoints);
    const scan = await this.#scan(joined.url, joined.room, joined.word, routes, now);
    return buildAnswer(joined, scan, routes.map((r) => r.friend), this.#signals.pending(joined.url, joined.word, now, joined.mode));
  }

  async #publishPresence(joined: JoinedRoom, routes: readonly FriendRoute[], epoch: number, now: number, endpoints: PublicEndpoints): Promise<void> {
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
      const owner = ownerSecret(joined.ownerSeed, 'presence', route.friend.peer, epoch);
      jobs.push(() => this.#replace(joined, route.friend.peer, owner, encodeEnvelope(envelope), epoch, fingerprint, now, 'sealed_announce'));
    }
    if (joined.showStrangers) {
      wanted.add('announce');
      const last = joined.published.get('announce');
      if (!last || last.epoch !== epoch || now - last.at >= REPUBLISH_MS) {
        const signed = signPayload(
          { k: 'announce', peerId: persona.info.peerId, master: me, x25519: bytesToHex(persona.x25519.publicKey), sentAt: Math.round(now) },
          (m) => persona.sign(m),
        );
        const owner = ownerSecret(joined.ownerSeed, 'announce', '', epoch);
        jobs.push(() => this.#replace(joined, 'announce', owner, encodeEnvelope({ v: 1, t: 'announce', ...signed }), epoch, '', now, 'announce'));
      }
    }
    // Friends removed and the plaintext announce switched off: take their blobs down now.
    for (const [key, last] of joined.published) {
      if (wanted.has(key)) continue;
      joined.published.delete(key);
      jobs.push(() => this.#io.unpublishOne(joined.url, joined.room, last.owner));
    }
    await runPooled(jobs, PUBLISH_CONCURRENCY);
  }

  async #replace(
    joined: JoinedRoom, key: string, owner: string, blob: string, epoch: number, fingerprint: string, now: number, what: string,
  ): Promise<void> {
    const previous = joined.published.get(key);
    try {
      await this.#io.publish(joined.url, joined.room, blob, owner, what);
    } catch {
      return; // traced; the next poll retries
    }
    joined.published.set(key, { owner, epoch, fingerprint, at: now });
    // A new epoch means a new owner secret (and tag): drop the old entry so epochs stay unlinkable.
    if (previous && previous.owner !== owner) await this.#io.unpublishOne(joined.url, joined.room, previous.owner);
  }

  /** Fetch a room, open what is ours, remember friends' presence, hand signals to ConnectSignals. */
  async #scan(url: string, room: string, word: string, routes?: readonly FriendRoute[], serverNow?: number): Promise<RoomScan> {
    const now = serverNow ?? (await this.serverNow(url));
    const friendRoutes = routes ?? (await this.#routes());
    const entries = await this.#io.fetch(url, room);
    const scan = scanRoom(entries, this.#o.persona, this.#routing, friendRoutes, acceptedEpochs(now));
    const joined = this.#joined.get(`${url} ${room}`);
    if (joined) joined.strangers = new Map(scan.strangers.map((s) => [s.peerId, s]));
    for (const f of scan.friends) {
      this.#lastSeen.set(f.route.friend.peer, {
        peer: f.route.friend.peer, url, word, peerId: f.body.peerId, mode: f.body.mode,
        endpoints: publicOnly(f.body.endpoints, this.#o.allowPrivateEndpoints), seenAt: this.#o.localNow(),
      });
    }
    this.#signals.ingest(url, word, scan, now, joined?.mode ?? null);
    return scan;
  }

  async #routes(): Promise<FriendRoute[]> {
    const friends = await this.#o.friends();
    return friends.map((f) => this.#routing.route(f)).filter((r): r is FriendRoute => r !== undefined);
  }

  async #endpoints(): Promise<PublicEndpoints> {
    try {
      return publicOnly(await this.#o.endpoints(), this.#o.allowPrivateEndpoints);
    } catch {
      return { ipv4: null, ipv6: null };
    }
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
