import { randomBytes } from 'node:crypto';
import { KithError, type Endpoint, type PeerKey } from '@kith/sdk';
import type { SessionLink } from '../core/session-link.js';
import type { TraceLog } from '../core/trace-log.js';
import { CONNECT_REQUEST_TTL_MS, type PresenceSignalling, type InboundConnectRequest, type PublicEndpoints } from '../presence/signalling.js';
import type { NetRuntime } from './net-runtime.js';
import type { LadderTrace } from './connect-ladder.js';
import { syncClock } from './clock-sync.js';
import { isPrivateAddress, sameEndpoint } from './endpoint.js';
import type { FriendKeys } from './peer-keyring.js';
import type { LiveSession } from './live-session.js';
import { RUNGS } from './connect-ladder.js';

/** What a connect route answers. */
export interface ConnectOutcome {
  readonly session: SessionLink;
  readonly trace: readonly LadderTrace[];
}

/** The receiver expires our request at the same moment (signalling contract). */
const ACCEPT_WAIT_MS = CONNECT_REQUEST_TTL_MS;
/**
 * The requester proposes punching this long after "now" (server clock). The acceptor punches at
 * max(proposal, its now) and says so in the accept, so a short lead costs nothing: the requester
 * joins the shared schedule as soon as it reads the accept (the rungs are long enough to absorb that).
 */
const REQUEST_LEAD_MS = 0;
const CLOCK_TTL_MS = 60_000;
/**
 * Latest punch instant taken, from now: a request lives CONNECT_REQUEST_TTL_MS, so an instant
 * later than that is a mistake or a friend holding one of the MAX_ATTEMPTS slots for an hour.
 */
const MAX_PUNCH_LEAD_MS = 2 * CONNECT_REQUEST_TTL_MS;
const MAX_INBOUND = 256;
/** Connect attempts running at once (each fires HELLO bursts for up to 7 s). */
const MAX_ATTEMPTS = 8;

/**
 * The connect flows: direct (explicit candidates), request (publish a sealed connect_request,
 * wait for the accept) and accept (publish the accept, punch at the agreed instant). All end in
 * the ladder; every step is traced into kernel.diagnostics.traces and returned to the caller.
 */
export class ConnectService {
  readonly #runtime: NetRuntime;
  readonly #presence: PresenceSignalling;
  readonly #traces: TraceLog;
  readonly #friends: () => Promise<readonly FriendKeys[]>;
  readonly #clocks = new Map<string, { offset: number; at: number }>();
  /** Inbound requests by nonce, with when we read them (our clock). */
  readonly #inbound = new Map<string, InboundConnectRequest & { readonly receivedAt: number }>();
  #attempts = 0;
  /** Which persona each running attempt's trace belongs to. */
  readonly #owners = new WeakMap<LadderTrace[], string>();
  /** Each attempt's id: its stored entries carry it, so diagnostics can group them. */
  readonly #attemptIds = new WeakMap<LadderTrace[], string>();

  constructor(options: {
    runtime: NetRuntime;
    presence: PresenceSignalling;
    traces: TraceLog;
    friends: () => Promise<readonly FriendKeys[]>;
  }) {
    this.#runtime = options.runtime;
    this.#presence = options.presence;
    this.#traces = options.traces;
    this.#friends = options.friends;
  }

  /** Remember an inbound request so `accept` can mirror it by nonce. */
  rememberRequest(request: InboundConnectRequest): void {
    this.#inbound.set(request.nonce, { ...request, receivedAt: Date.now() });
    if (this.#inbound.size > MAX_INBOUND) this.#inbound.delete(this.#inbound.keys().next().value!);
  }

  /** Our public endpoints for publishing (private addresses never leave the machine). */
  async publicEndpoints(): Promise<PublicEndpoints> {
    try {
      const found = await this.#runtime.discover();
      return { ipv4: publicOnly(found.ipv4), ipv6: publicOnly(found.ipv6) };
    } catch {
      return { ipv4: null, ipv6: null };
    }
  }

  /**
   * POST /api/connect: try the given candidates now (or at `punchAtMs` of the rendezvous clock).
   * Without `peer` (the reference's body names only addresses) the friend is the one whose last
   * announcement carried one of them, or the only friend.
   */
  async direct(args: { peer?: PeerKey; ipv4?: Endpoint; ipv6?: Endpoint; rendezvousUrl?: string; punchAtMs?: number }): Promise<ConnectOutcome> {
    const trace = this.#newTrace();
    const peer = args.peer ?? (await this.#friendAt([args.ipv4, args.ipv6]));
    await this.#requireFriend(peer);
    let startAt = Date.now();
    if (args.punchAtMs !== undefined) {
      if (!args.rendezvousUrl) throw new KithError('KITH_ERR_BAD_REQUEST', 'punch_at_ms needs rendezvous_url (its clock)');
      startAt = args.punchAtMs - (await this.#offset(args.rendezvousUrl, peer, trace));
      checkPunchLead(startAt, 'punch_at_ms');
    }
    return this.#ladder(peer, { ipv4: args.ipv4 ?? null, ipv6: args.ipv6 ?? null }, startAt, trace);
  }

  /** POST /api/connect/request: signal through the rendezvous, wait for the accept, then punch. */
  async request(args: { rendezvousUrl: string; word: string; peer?: PeerKey; toPeerId?: string }): Promise<ConnectOutcome> {
    const trace = this.#newTrace();
    const startedAt = Date.now();
    const peer = args.peer ?? (await this.#friendByPeerId(args.toPeerId));
    await this.#requireFriend(peer);
    const mine = await this.publicEndpoints();
    const offset = await this.#offset(args.rendezvousUrl, peer, trace);
    const nonce = randomBytes(16).toString('hex');
    const punchAtMs = Date.now() + offset + REQUEST_LEAD_MS;
    await this.#step(trace, 'rendezvous-request', peer, () =>
      this.#presence.publishConnectRequest({ url: args.rendezvousUrl, word: args.word, to: { peer }, nonce, punchAtMs, endpoints: mine }));
    const accept = await this.#step(trace, 'await-accept', peer, () => this.#presence.awaitConnectAccept(nonce, ACCEPT_WAIT_MS));
    if (accept.from !== peer) {
      this.#record(trace, { stage: 'await-accept', outcome: 'failed', peer, detail: 'the accept came from another key' });
      throw new KithError('KITH_ERR_PEER_UNREACHABLE', 'The accept was not signed by that friend', { trace });
    }
    checkPunchLead(accept.punchAtMs - offset, "the friend's accept");
    this.#dropSessionFrom(peer, startedAt, trace);
    return this.#ladder(peer, bothSides(mine, accept.endpoints), accept.punchAtMs - offset, trace);
  }

  /** POST /api/connect/accept: mirror an inbound request and punch at the agreed instant. */
  async accept(args: {
    rendezvousUrl: string; word: string; nonce: string; punchAtMs: number; peer?: PeerKey; fromPeerId?: string;
    fromIpv4?: Endpoint; fromIpv6?: Endpoint;
  }): Promise<ConnectOutcome> {
    const trace = this.#newTrace();
    const known = this.#inbound.get(args.nonce);
    const signalledAt = known?.receivedAt ?? Date.now();
    const peer = known?.from ?? args.peer ?? (await this.#friendByPeerId(args.fromPeerId));
    await this.#requireFriend(peer);
    const theirs: PublicEndpoints = known?.endpoints ?? { ipv4: args.fromIpv4 ?? null, ipv6: args.fromIpv6 ?? null };
    const mine = await this.publicEndpoints();
    const offset = await this.#offset(args.rendezvousUrl, peer, trace);
    // Punch now if the proposed instant already passed (the user took a while to accept).
    const punchAtMs = Math.max(known?.punchAtMs ?? args.punchAtMs, Date.now() + offset);
    checkPunchLead(punchAtMs - offset, known ? "the friend's request" : 'punch_at_ms');
    this.#dropSessionFrom(peer, signalledAt, trace);
    await this.#step(trace, 'rendezvous-accept', peer, () =>
      this.#presence.publishConnectAccept({
        url: args.rendezvousUrl, word: args.word, to: { peer }, nonce: args.nonce, punchAtMs, endpoints: mine,
      }));
    return this.#ladder(peer, bothSides(mine, theirs), punchAtMs - offset, trace);
  }

  /** SessionLinks.connect: explicit candidates, else the friend's last sealed announcement. */
  async connectPeer(peer: PeerKey, options: { candidates?: readonly Endpoint[]; timeoutMs?: number }): Promise<SessionLink> {
    if (options.candidates && options.candidates.length > 0) {
      const ipv6 = options.candidates.find((c) => c.family === 'ipv6');
      const ipv4 = options.candidates.find((c) => c.family === 'ipv4');
      return (await this.direct({ peer, ipv4, ipv6 })).session;
    }
    const seen = this.#presence.lastSeen(peer);
    if (!seen) throw new KithError('KITH_ERR_PEER_UNREACHABLE', 'The friend was not seen in any rendezvous room yet');
    return (await this.request({ rendezvousUrl: seen.url, word: seen.word, peer })).session;
  }

  async #ladder(peer: PeerKey, candidates: { ipv4: Endpoint | null; ipv6: Endpoint | null }, startAt: number, trace: LadderTrace[]): Promise<ConnectOutcome> {
    if (this.#attempts >= MAX_ATTEMPTS) {
      throw new KithError('KITH_ERR_RATE_LIMITED', `At most ${MAX_ATTEMPTS} connect attempts at once`, { trace });
    }
    this.#attempts++;
    let result: Awaited<ReturnType<NetRuntime['ladder']>>;
    try {
      result = await this.#runtime.ladder({
        peer, ipv4: candidates.ipv4, ipv6: candidates.ipv6, startAt, onTrace: (entry) => this.#record(trace, entry),
      });
    } finally {
      this.#attempts--;
    }
    if (!result.session) {
      // Say why when we know: a symmetric NAT on our side explains a failed punch.
      const found = await this.#runtime.discover().catch(() => undefined);
      if (found?.natMapping === 'endpoint-dependent' && candidates.ipv4) {
        this.#record(trace, {
          stage: 'nat-mapping', outcome: 'info', peer,
          detail: 'this host is behind a symmetric NAT (endpoint-dependent mapping): IPv4 punching cannot work from here',
        });
      }
      throw new KithError('KITH_ERR_PEER_UNREACHABLE', 'No direct path to the peer: see the trace', { trace });
    }
    noteOpening(result.session, trace);
    return { session: result.session, trace };
  }

  async #offset(url: string, peer: PeerKey, trace: LadderTrace[]): Promise<number> {
    const cached = this.#clocks.get(url);
    if (cached && Date.now() - cached.at < CLOCK_TTL_MS) return cached.offset;
    const began = Date.now();
    let offset: number;
    try {
      offset = (await this.#presence.serverNow(url)) - Date.now();
    } catch {
      try {
        offset = (await syncClock(url, { samples: 5 })).offsetMs;
      } catch (error) {
        this.#record(trace, { stage: 'clock-sync', outcome: 'failed', peer, detail: (error as Error).message, ms: Date.now() - began });
        throw new KithError('KITH_ERR_UPSTREAM', 'Could not read the rendezvous clock', { trace });
      }
    }
    this.#clocks.set(url, { offset, at: Date.now() });
    this.#record(trace, { stage: 'clock-sync', outcome: 'ok', peer, detail: `offset ${Math.round(offset)} ms`, ms: Date.now() - began });
    return offset;
  }

  async #step<T>(trace: LadderTrace[], stage: string, peer: PeerKey, run: () => Promise<T>): Promise<T> {
    const began = Date.now();
    try {
      const value = await run();
      this.#record(trace, { stage, outcome: 'ok', peer, ms: Date.now() - began });
      return value;
    } catch (error) {
      this.#record(trace, { stage, outcome: 'failed', peer, detail: (error as Error).message, ms: Date.now() - began });
      const code = (error as KithError).code;
      throw new KithError(code && code.startsWith('KITH_ERR_') ? code : 'KITH_ERR_UPSTREAM', (error as Error).message, { trace });
    }
  }

  /** A fresh trace for one attempt, owned by the persona active when it started. */
  #newTrace(): LadderTrace[] {
    const trace: LadderTrace[] = [];
    const owner = this.#runtime.table?.keyring.persona.info.masterPublicKey;
    if (owner !== undefined) this.#owners.set(trace, owner);
    this.#attemptIds.set(trace, randomBytes(6).toString('hex'));
    return trace;
  }

  #record(trace: LadderTrace[], entry: LadderTrace): void {
    trace.push(entry);
    // An attempt that ends after a persona switch is not shown in the next persona's log.
    const stored: LadderTrace = { ...entry, attempt: this.#attemptIds.get(trace) };
    this.#traces.add('net', stored, this.#owners.get(trace));
  }

  async #requireFriend(peer: PeerKey): Promise<void> {
    if (!this.#runtime.table) throw new KithError('KITH_ERR_LOCKED');
    if (this.#runtime.table.keyring.get(peer)) return;
    this.#runtime.table.replaceFriends(await this.#friends());
    if (!this.#runtime.table.keyring.get(peer)) {
      throw new KithError('KITH_ERR_NOT_FOUND', 'Sessions open only with saved friends: pair first');
    }
  }

  /**
   * A friend who signals a connect (a request, or the accept of ours) holds no session with us:
   * Kith signals only without one. A session we opened before that signal is dead on their side
   * (they restarted or crashed; ours would idle out only after 20 s, and while we believed in it
   * we would not punch, so their HELLOs died in our NAT). Close it and punch with them.
   */
  #dropSessionFrom(peer: PeerKey, signalledAt: number, trace: LadderTrace[]): void {
    const session = this.#runtime.table?.get(peer) as LiveSession | undefined;
    if (!session || session.openedAt >= signalledAt) return;
    this.#record(trace, { stage: 'stale-session', outcome: 'info', peer, detail: 'the friend asked to connect, so the session we held is gone on their side: closed' });
    session.close('replaced');
  }

  /** The friend last announced at one of `endpoints`, else the only friend; else 400 asking for `peer`. */
  async #friendAt(endpoints: readonly (Endpoint | undefined)[]): Promise<PeerKey> {
    const friends = await this.#friends();
    const given = endpoints.filter((e): e is Endpoint => e !== undefined);
    const there = friends.filter((f) => {
      const seen = this.#presence.lastSeen(f.peer)?.endpoints;
      return seen && given.some((e) => [seen.ipv4, seen.ipv6].some((s) => s && sameEndpoint(s, e)));
    });
    if (there.length === 1) return there[0]!.peer;
    if (there.length === 0 && friends.length === 1) return friends[0]!.peer;
    throw new KithError('KITH_ERR_BAD_REQUEST', friends.length === 0
      ? 'Sessions open only with saved friends: pair first'
      : `Say which friend with peer (a master public key): ${there.length > 1 ? `${there.length} friends were announced at that address` : 'no friend was announced at that address'}`);
  }

  async #friendByPeerId(peerId: string | undefined): Promise<PeerKey> {
    if (!peerId) throw new KithError('KITH_ERR_BAD_REQUEST', 'peer (master public key) or a peer id is required');
    const friend = (await this.#friends()).find((f) => f.lastPeerId === peerId);
    if (!friend) throw new KithError('KITH_ERR_NOT_FOUND', 'No saved friend has that peer id: pair first');
    return friend.peer;
  }
}

/**
 * Tell a session this attempt found how it was found: the rung that got through and the stages'
 * timings. A session the attempt merely found already open keeps what it had.
 */
function noteOpening(link: SessionLink, trace: readonly LadderTrace[]): void {
  const session = link as LiveSession;
  if (!session.openedBy || session.via.description.kind !== 'main' || trace.some((e) => e.detail?.startsWith('already open'))) return;
  const rung = trace.find((e) => e.outcome === 'ok' && (RUNGS as readonly string[]).includes(e.stage))?.stage;
  session.openedBy = {
    rung: rung ?? session.openedBy.rung,
    handshakeMs: session.openedBy.handshakeMs,
    stages: trace.slice(0, 32).map((e) => ({ stage: e.stage, outcome: e.outcome, ms: e.ms ?? null })),
  };
}

function publicOnly(endpoint: Endpoint | null): Endpoint | null {
  return endpoint && !isPrivateAddress(endpoint.address) ? endpoint : null;
}

/** A rung runs only when both sides published that family: both peers compute the same schedule. */
function bothSides(mine: PublicEndpoints, theirs: PublicEndpoints): { ipv4: Endpoint | null; ipv6: Endpoint | null } {
  return {
    ipv4: mine.ipv4 && theirs.ipv4 ? theirs.ipv4 : null,
    ipv6: mine.ipv6 && theirs.ipv6 ? theirs.ipv6 : null,
  };
}

/** Refuses a punch instant (local clock) further ahead than MAX_PUNCH_LEAD_MS, naming where it came from. */
function checkPunchLead(startAt: number, source: string): void {
  const lead = startAt - Date.now();
  if (lead > MAX_PUNCH_LEAD_MS) {
    throw new KithError('KITH_ERR_BAD_REQUEST', `${source} sets the punch ${Math.round(lead / 1000)} s from now; at most ${MAX_PUNCH_LEAD_MS / 1000} s ahead`);
  }
}
