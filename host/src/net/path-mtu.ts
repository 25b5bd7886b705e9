import { MAX_DATAGRAM, MAX_PROBE_DATAGRAM } from './wire-constants.js';

/**
 * Packetization-layer path MTU discovery for one session (the idea of RFC 8899, simplified;
 * docs/wire/pmtu.md). The session sends at {@link MAX_DATAGRAM} until a sealed probe of a larger
 * size is acknowledged by the peer; only then does it use that size. Searching starts on demand
 * (the session keeps sending full datagrams) and only with a peer that said it answers probes.
 * While above the base size, one probe a second at the current size confirms the path and
 * carries the receiver's counts back: a black hole or a sharp rise in loss (IP fragmentation on a
 * LAN) drops the session back to the base size, and it searches again later.
 */

/** Datagram sizes tried in order above the base (the largest fits IPv4 and IPv6 loopback). */
export const PROBE_SIZES: readonly number[] = [8 * 1024, 32 * 1024, MAX_PROBE_DATAGRAM];
/** A probe not answered within this is sent again, {@link PROBE_TRIES} times in all per size. */
export const PROBE_TIMEOUT_MS = 400;
export const PROBE_TRIES = 3;
/** Full datagrams sent before a search starts: only sessions that move bulk data probe. */
export const DEMAND_SENDS = 16;
/** While above the base size, the path is confirmed (and loss sampled) this often. */
export const CONFIRM_EVERY_MS = 1_000;
/** Unanswered confirmations in a row that mean a black hole. */
export const CONFIRM_MISSES = 3;
/** Share of datagrams lost between two confirmations above which the session falls back. */
export const LOSS_FALLBACK = 0.2;
/** Fewer datagrams than this between two confirmations say nothing about loss. */
export const LOSS_MIN_SAMPLE = 64;
/** After a fall back or a failed search, the next search waits this long (doubling, up to the max). */
export const RESEARCH_AFTER_MS = 30_000;
export const RESEARCH_MAX_MS = 600_000;
/** After a path change, searching waits this long (the new path has to settle). */
export const PATH_CHANGE_HOLD_MS = 2_000;
/** Probes remembered for matching late answers. */
const MAX_OUTSTANDING = 8;

/** What the prober needs from its session. */
export interface PathMtuPort {
  /** Seal and send a probe datagram of exactly `size` bytes carrying `id`; returns the key generation it went under. */
  sendProbe(size: number, id: number): number;
  /** Ask the peer whether it answers probes (a marked keepalive that wants an answer). */
  askPeer(): void;
}

/** The receiver's counts carried by a probe answer (low 32 bits). */
export interface PeerCounts {
  readonly received: number;
  readonly highest: number;
}

interface Outstanding {
  readonly size: number;
  readonly generation: number;
  readonly confirm: boolean;
}

export type FallbackReason = 'path-change' | 'black-hole' | 'loss';

export class PathMtu {
  /** The datagram size the session sends at: the base, or the largest acknowledged probe. */
  datagram = MAX_DATAGRAM;
  /** The peer answers probes (it sent a marker, a probe or an answer). */
  peerSpeaks = false;
  /** Why the size last dropped back (diagnostics, tests). */
  lastFallback: FallbackReason | undefined;
  /** Probes sent and answered (diagnostics, tests). */
  probesSent = 0;
  probesAnswered = 0;
  readonly #port: PathMtuPort;
  readonly #now: () => number;
  #demand = 0;
  #notBefore = 0;
  #backoff = RESEARCH_AFTER_MS;
  #asked = Number.NEGATIVE_INFINITY;
  /** The size being searched and its tries, while a search runs. */
  #search: { size: number; tries: number; id: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 1;
  readonly #outstanding = new Map<number, Outstanding>();
  #lastConfirm = Number.NEGATIVE_INFINITY;
  #confirmPending: number | undefined;
  #confirmMisses = 0;
  #sample: { generation: number; counts: PeerCounts } | undefined;
  #closed = false;

  constructor(port: PathMtuPort, now: () => number = () => performance.now()) {
    this.#port = port;
    this.#now = now;
  }

  /** True while a search is under way. */
  get searching(): boolean {
    return this.#search !== undefined;
  }

  /** The session sent a payload datagram of `bytes` (sealed size): counts demand, paces confirmations. */
  noteSend(bytes: number): void {
    if (this.#closed) return;
    const now = this.#now();
    if (this.datagram > MAX_DATAGRAM && now - this.#lastConfirm >= CONFIRM_EVERY_MS) this.#confirm(now);
    if (bytes < this.datagram - 64 || this.#search || this.datagram >= PROBE_SIZES.at(-1)!) return;
    if (++this.#demand < DEMAND_SENDS || now < this.#notBefore) return;
    if (!this.peerSpeaks) {
      // Ask at most once per hold: an older peer never answers, and then nothing else is sent.
      if (now - this.#asked >= RESEARCH_AFTER_MS) {
        this.#asked = now;
        this.#port.askPeer();
      }
      return;
    }
    this.#startSearch();
  }

  /** The peer showed it answers probes: search at once if sending is what waits. */
  peerAnswers(): void {
    if (this.peerSpeaks) return;
    this.peerSpeaks = true;
    if (this.#demand >= DEMAND_SENDS && !this.#search && this.#now() >= this.#notBefore && this.datagram === MAX_DATAGRAM) this.#startSearch();
  }

  /** A probe answer arrived (authenticated): `size` is the datagram size the peer received. */
  onAnswer(id: number, size: number, counts: PeerCounts): void {
    const probe = this.#outstanding.get(id);
    if (!probe || probe.size !== size || this.#closed) return;
    this.#outstanding.delete(id);
    this.probesAnswered++;
    this.peerSpeaks = true;
    if (probe.confirm) {
      if (id === this.#confirmPending) {
        this.#confirmPending = undefined;
        this.#confirmMisses = 0;
      }
      this.#checkLoss(probe.generation, counts);
      return;
    }
    this.#sample = { generation: probe.generation, counts };
    if (size > this.datagram) this.datagram = size;
    if (this.#search && this.#search.size <= size) this.#advance();
  }

  /** The session moved to another address: back to the base size, search again later. */
  pathChanged(): void {
    this.#fallback('path-change', PATH_CHANGE_HOLD_MS);
    this.#backoff = RESEARCH_AFTER_MS;
  }

  close(): void {
    this.#closed = true;
    this.#stopSearch();
  }

  #startSearch(): void {
    const next = PROBE_SIZES.find((size) => size > this.datagram);
    if (next === undefined) return;
    this.#search = { size: next, tries: 0, id: 0 };
    this.#probe();
  }

  #probe(): void {
    const search = this.#search!;
    if (search.tries >= PROBE_TRIES) {
      // This size does not cross: keep the largest that did, try again much later.
      this.#stopSearch();
      this.#hold();
      return;
    }
    search.tries++;
    search.id = this.#send(search.size, false);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#search === search && !this.#closed) this.#probe();
    }, PROBE_TIMEOUT_MS);
    this.#timer.unref();
  }

  /** The size searched was acknowledged: try the next one, or stop at the top. */
  #advance(): void {
    this.#stopSearch();
    this.#lastConfirm = this.#now();
    this.#demand = 0;
    this.#startSearch();
  }

  #stopSearch(): void {
    this.#search = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #confirm(now: number): void {
    this.#lastConfirm = now;
    if (this.#confirmPending !== undefined && ++this.#confirmMisses >= CONFIRM_MISSES) {
      this.#fallback('black-hole');
      return;
    }
    this.#confirmPending = this.#send(this.datagram, true);
  }

  #checkLoss(generation: number, counts: PeerCounts): void {
    const previous = this.#sample;
    this.#sample = { generation, counts };
    if (!previous || previous.generation !== generation) return;
    const expected = (counts.highest - previous.counts.highest) >>> 0;
    const received = (counts.received - previous.counts.received) >>> 0;
    if (expected < LOSS_MIN_SAMPLE || received > expected) return;
    if ((expected - received) / expected > LOSS_FALLBACK) this.#fallback('loss');
  }

  #send(size: number, confirm: boolean): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) >>> 0 || 1;
    if (this.#outstanding.size >= MAX_OUTSTANDING) this.#outstanding.delete(this.#outstanding.keys().next().value as number);
    this.probesSent++;
    const generation = this.#port.sendProbe(size, id);
    this.#outstanding.set(id, { size, generation, confirm });
    return id;
  }

  #fallback(reason: FallbackReason, holdMs?: number): void {
    this.#stopSearch();
    this.#outstanding.clear();
    this.#confirmPending = undefined;
    this.#confirmMisses = 0;
    this.#sample = undefined;
    if (this.datagram > MAX_DATAGRAM) this.lastFallback = reason;
    this.datagram = MAX_DATAGRAM;
    this.#hold(holdMs);
  }

  #hold(holdMs?: number): void {
    this.#demand = 0;
    this.#notBefore = this.#now() + (holdMs ?? this.#backoff);
    if (holdMs === undefined) this.#backoff = Math.min(RESEARCH_MAX_MS, this.#backoff * 2);
  }
}
