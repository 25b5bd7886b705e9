import { Injectable, computed, effect, inject, signal, untracked } from '@angular/core';
import { ApiClient } from '../api/api-client';
import { describeError } from '../api/api-error';
import { IdentityStore } from '../session/identity-store';
import { ExtensionsStore } from '../extensions/extensions-store';
import { CONNECT_REQUEST_WAIT_MS, PARKED_EXTENSION, friendsFirst, normalisePeer, normaliseRequest, type ConnectRequest, type PresenceMode, type RoomPeer } from './room-peer';

/** How often the page re-publishes presence and looks for requests while joined (reference: ~2.5 s). */
export const POLL_INTERVAL_MS = 2500;

interface RoomForm {
  url: string;
  word: string;
  mode: PresenceMode;
  showStrangers: boolean;
}

type Raw = Record<string, unknown>;

/** One stage of the connect ladder (`ipv6-direct`, `ipv4-punch`, `lan-direct`, ...). */
export interface TraceStage {
  readonly stage: string;
  readonly outcome: string;
  readonly detail: string;
  readonly ms: number | null;
}

function normaliseStage(raw: Raw): TraceStage {
  return {
    stage: String(raw['stage'] ?? ''),
    outcome: String(raw['outcome'] ?? ''),
    detail: typeof raw['detail'] === 'string' ? raw['detail'] : '',
    ms: typeof raw['ms'] === 'number' ? raw['ms'] : null,
  };
}

/** What a late Accept says: the requester gave up, so there is nobody to punch towards. */
export function expiredMessage(): string {
  return `The request expired: they stopped waiting after ${CONNECT_REQUEST_WAIT_MS / 1000} s. Connect to them instead.`;
}

/**
 * The rendezvous room of the Chats page: inputs (kept per persona in localStorage, mode per
 * URL+word), join / poll every 2.5 s / leave, the peers seen and the connect requests addressed to us.
 * Lives as long as the app, so the room stays joined while the user visits other pages.
 */
@Injectable({ providedIn: 'root' })
export class RendezvousStore {
  readonly #api = inject(ApiClient);
  readonly #identity = inject(IdentityStore);
  readonly #extensions = inject(ExtensionsStore);
  /** The form holds the active persona's saved inputs (before that, nothing may be saved over them). */
  #formLoaded = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seenRequests = new Set<string>();
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  readonly form = signal<RoomForm>({ url: '', word: '', mode: 'manual', showStrangers: false });
  readonly joined = signal<{ url: string; word: string } | null>(null);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  readonly peers = signal<RoomPeer[]>([]);
  /** Requests waiting for Accept / Decline. */
  readonly requests = signal<ConnectRequest[]>([]);
  /** Each new auto-accept request (the page accepts it and offers undo). */
  readonly autoAccepts = signal<ConnectRequest[]>([]);
  readonly lastPollAt = signal<number | null>(null);
  /** Saved friends (from the pairing extension, when it runs): local label and verified flag by master key. */
  readonly friends = signal<ReadonlyMap<string, { label: string; verified: boolean }>>(new Map());
  #polls = 0;
  #inFlight: Promise<void> | null = null;
  #again = false;
  /** The sessionStorage key that marks this tab as joined (the persona's, taken at join time). */
  #joinedMark: string | null = null;
  #persona: string | undefined;
  #personaSeen = false;

  constructor() {
    // Presence belongs to the persona: a switch or a lock leaves the room (and stops polling).
    effect(() => {
      const slug = this.#identity.active()?.slug;
      untracked(() => {
        const switched = this.#personaSeen && slug !== this.#persona;
        this.#personaSeen = true;
        this.#persona = slug;
        if (!switched) return;
        this.#formLoaded = false;
        // The tab's note that it was in the room stays: coming back to that persona brings it back.
        if (this.joined()) void this.leave({ keepMark: true });
        // The persona now active gets its own inputs (and its room, if this tab was in it), also
        // when the Connect page is not opened again.
        if (slug) this.loadForm();
      });
    });
    // Parked is the parked extension's switch: the mode shows it, whoever flipped it (the
    // extension's own view, Settings, another tab).
    effect(() => {
      const on = this.#parkedSwitch();
      untracked(() => {
        if (!this.#formLoaded || on === undefined) return;
        const mode = this.#withParkedSwitch(this.form().mode, on);
        if (mode === this.form().mode) return;
        this.update({ mode });
        if (this.joined()) void this.poll();
      });
    });
  }

  /** The parked extension's switch, when it runs. */
  readonly #parkedSwitch = computed(() => {
    const parked = this.#extensions.running().find((e) => e.id === PARKED_EXTENSION);
    const on = parked?.settings['parked.on'];
    return typeof on === 'boolean' ? on : undefined;
  });

  #withParkedSwitch(mode: PresenceMode, on: boolean | undefined): PresenceMode {
    if (on === true) return 'parked';
    if (on === false && mode === 'parked') return 'manual';
    return mode;
  }

  /** Room peers named with local friend labels and marked verified when the friend was verified. */
  readonly namedPeers = computed(() => {
    const friends = this.friends();
    return this.peers().map((p) => {
      const friend = p.peer ? friends.get(p.peer) : undefined;
      return friend ? { ...p, friend: true, label: friend.label || p.label, verified: friend.verified } : p;
    });
  });

  readonly visiblePeers = computed(() => {
    const peers = [...this.namedPeers()].sort(friendsFirst);
    return this.form().showStrangers ? peers : peers.filter((p) => p.friend);
  });

  /** Restore this persona's last inputs; rejoin if this tab was in the room before a reload. */
  loadForm(): void {
    const saved = localStorage.getItem(this.#formKey());
    const form = saved ? (JSON.parse(saved) as Partial<RoomForm>) : {};
    const next: RoomForm = { url: form.url ?? '', word: form.word ?? '', mode: form.mode ?? 'manual', showStrangers: form.showStrangers ?? false };
    next.mode = (localStorage.getItem(this.#modeKey(next.url, next.word)) as PresenceMode | null) ?? next.mode;
    next.mode = this.#withParkedSwitch(next.mode, this.#parkedSwitch());
    this.form.set(next);
    this.#formLoaded = true;
    // Per tab (sessionStorage): a reload keeps the user in the room; a new session starts outside.
    if (sessionStorage.getItem(this.#joinedKey()) === `${next.url.trim()}|${next.word.trim()}` && !this.joined() && !this.busy()) void this.join();
  }

  update(patch: Partial<RoomForm>): void {
    this.form.update((f) => ({ ...f, ...patch }));
    const f = this.form();
    localStorage.setItem(this.#formKey(), JSON.stringify(f));
    if (patch.mode) localStorage.setItem(this.#modeKey(f.url, f.word), patch.mode);
  }

  async join(): Promise<void> {
    const { url, word } = this.form();
    if (!url.trim() || !word.trim()) {
      this.error.set('Enter the rendezvous URL and a room word.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      if (this.joined()) await this.leave();
      const answer = await this.#api.post<Raw>('/rendezvous/join', this.#body());
      this.joined.set({ url: url.trim(), word: word.trim() });
      this.#joinedMark = this.#joinedKey();
      sessionStorage.setItem(this.#joinedMark, `${url.trim()}|${word.trim()}`);
      void this.refreshFriends();
      this.#take(answer);
      this.#schedule();
    } catch (error) {
      this.error.set(describeError(error));
    } finally {
      this.busy.set(false);
    }
  }

  /** Leave the room; `keepMark` (a persona switch, not the user) keeps the tab's note that it was in it. */
  async leave(options: { keepMark?: boolean } = {}): Promise<void> {
    const room = this.joined();
    this.#stop();
    this.joined.set(null);
    if (this.#joinedMark && !options.keepMark) sessionStorage.removeItem(this.#joinedMark);
    this.#joinedMark = null;
    this.peers.set([]);
    this.requests.set([]);
    if (!room) return;
    try {
      await this.#api.post('/rendezvous/leave', { url: room.url, word: room.word });
    } catch (error) {
      this.error.set(describeError(error));
    }
  }

  /** The stages of the last connect attempt (request or accept), for the page to show. */
  readonly lastTrace = signal<{ label: string; ok: boolean; stages: TraceStage[] } | null>(null);

  /** Publish a connect request to a peer in the room; resolves when the host finished connecting. */
  async connect(peer: RoomPeer): Promise<unknown> {
    const room = this.joined();
    if (!room) throw new Error('Join a room first');
    return this.#traced(peer.label, this.#api.post('/connect/request', {
      rendezvous_url: room.url,
      word: room.word,
      to_peer_id: peer.peerId,
      ...(peer.peer ? { peer: peer.peer } : {}),
      ...(peer.ipv4 ? { to_ipv4: peer.ipv4 } : {}),
      ...(peer.ipv6 ? { to_ipv6: peer.ipv6 } : {}),
    }));
  }

  /** Accept an inbound request: mirror it and let the host run the connect ladder. */
  async accept(request: ConnectRequest): Promise<unknown> {
    const room = this.joined();
    this.dismiss(request);
    if (!room) throw new Error('The room was left');
    if (Date.now() >= request.expiresAt) throw new Error(expiredMessage());
    return this.#traced(this.nameOf(request.from) ?? request.label, this.#api.post('/connect/accept', {
      rendezvous_url: room.url,
      word: room.word,
      nonce: request.nonce,
      from_peer_id: request.fromPeerId,
      ...(request.from ? { peer: request.from } : {}),
      ...(request.ipv4 ? { from_ipv4: request.ipv4 } : {}),
      ...(request.ipv6 ? { from_ipv6: request.ipv6 } : {}),
      punch_at_ms: request.punchAtMs,
    }));
  }

  /** Keep the stage trace of a connect attempt, whether it worked or not. */
  async #traced(label: string, attempt: Promise<unknown>): Promise<unknown> {
    try {
      const answer = (await attempt) as { trace?: Raw[] } | undefined;
      this.lastTrace.set({ label, ok: true, stages: (answer?.trace ?? []).map(normaliseStage) });
      return answer;
    } catch (error) {
      const details = (error as { details?: { trace?: Raw[] } }).details;
      this.lastTrace.set({ label, ok: false, stages: (details?.trace ?? []).map(normaliseStage) });
      throw error;
    }
  }

  /** Decline: the request is dropped here; the requester's wait times out. */
  dismiss(request: ConnectRequest): void {
    this.requests.update((list) => list.filter((r) => r.nonce !== request.nonce));
  }

  /** Drop the prompts whose requester stopped waiting; re-arms itself for the next one to expire. */
  #expirePrompts(): void {
    clearTimeout(this.#expiryTimer);
    const now = Date.now();
    const live = this.requests().filter((r) => r.expiresAt > now);
    if (live.length !== this.requests().length) this.requests.set(live);
    if (live.length === 0) return;
    const next = Math.min(...live.map((r) => r.expiresAt));
    this.#expiryTimer = setTimeout(() => this.#expirePrompts(), Math.max(0, next - now) + 50);
  }

  takeAutoAccepts(): ConnectRequest[] {
    const list = this.autoAccepts();
    if (list.length) this.autoAccepts.set([]);
    return list;
  }

  /**
   * Re-publish presence and read the room. Polls never overlap: one asked for while another is in
   * flight runs right after it, so the host always ends with the page's latest mode and toggle.
   */
  poll(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pollOnce();
        } while (this.#again && this.joined());
      } finally {
        this.#inFlight = null;
      }
    })();
    return this.#inFlight;
  }

  async #pollOnce(): Promise<void> {
    if (!this.joined()) return;
    try {
      const answer = await this.#api.post<Raw>('/rendezvous/poll', this.#body());
      if (!this.joined()) return; // left while the poll was in flight
      this.#take(answer);
      if (++this.#polls % 4 === 0) void this.refreshFriends();
      this.error.set(null);
    } catch (error) {
      this.error.set(describeError(error));
    }
  }

  /** Friends come from the pairing extension; without it the room's own friend flags stand. */
  async refreshFriends(): Promise<void> {
    try {
      const list = await this.#api.get<Raw[]>('/friends');
      this.friends.set(new Map(list.map((f) => [String(f['master_pubkey']), { label: String(f['label'] ?? ''), verified: Boolean(f['verified']) }])));
    } catch {
      this.friends.set(new Map());
    }
  }

  /** The name to show for a peer key or peer id. */
  nameOf(peerOrId: string | null): string | undefined {
    if (!peerOrId) return undefined;
    return this.friends().get(peerOrId)?.label ?? this.namedPeers().find((p) => p.peer === peerOrId || p.peerId === peerOrId)?.label;
  }

  #take(answer: Raw | undefined): void {
    const peers = (answer?.['peers'] as Raw[] | undefined) ?? [];
    this.peers.set(peers.map(normalisePeer));
    const requests = ((answer?.['requests'] ?? answer?.['pending'] ?? answer?.['connect_requests'] ?? answer?.['inbound']) as Raw[] | undefined) ?? [];
    for (const request of requests.map(normaliseRequest)) {
      if (!request.nonce || this.#seenRequests.has(request.nonce)) continue;
      this.#seenRequests.add(request.nonce);
      // Auto-accept only while the user is in Auto mode now: a poll sent before a mode change may
      // come back computed for the old mode.
      if (request.autoAccept && this.form().mode === 'auto') this.autoAccepts.update((l) => [...l, request]);
      else this.requests.update((l) => [...l, request]);
    }
    this.#expirePrompts();
    this.lastPollAt.set(Date.now());
  }

  #schedule(): void {
    this.#stop();
    this.#timer = setTimeout(async () => {
      await this.poll();
      if (this.joined()) this.#schedule();
    }, POLL_INTERVAL_MS);
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #body(): Raw {
    const f = this.form();
    return { url: f.url.trim(), word: f.word.trim(), mode: f.mode, show_strangers: f.showStrangers };
  }

  #formKey(): string {
    return `kith.chats.form.${this.#identity.active()?.slug ?? 'none'}`;
  }

  #joinedKey(): string {
    return `kith.chats.joined.${this.#identity.active()?.slug ?? 'none'}`;
  }

  #modeKey(url: string, word: string): string {
    return `kith.chats.mode.${this.#identity.active()?.slug ?? 'none'}.${url.trim()}|${word.trim()}`;
  }
}
