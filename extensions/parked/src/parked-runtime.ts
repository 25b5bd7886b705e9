/**
 * Parked mode for one persona: a listener supervisor per friend while Parked is on, following the
 * friend set and the settings live; the reaching side; and the last known addresses, fed by every
 * session that opens. Disposed with the extension (stop, lock, persona switch), which also closes
 * every window socket the host tracks for it.
 */
import type { Disposable, ExtensionContext, PeerKey, SessionListener } from '@kith/sdk';
import { ATTEND_POLL_MS, AttendanceIo } from './attendance.js';
import { FriendKeys } from './friend-keys.js';
import { LastKnownStore } from './last-known-store.js';
import { ListenerSupervisor } from './listener-supervisor.js';
import { readConfig, type ParkedConfig } from './parked-config.js';
import { ParkedClock } from './parked-clock.js';
import { Reacher } from './reacher.js';
import type { ParkedWindow } from './schedule.js';
import { WindowSockets } from './window-sockets.js';

/** What the parked side did (the bench's idle cost, the status route). */
export interface ParkedCounters {
  wakeups: number;
  pinholes: number;
  attendancePolls: number;
  rendezvousRequests: number;
  windowSessions: number;
}

export class ParkedRuntime {
  readonly counters: ParkedCounters = { wakeups: 0, pinholes: 0, attendancePolls: 0, rendezvousRequests: 0, windowSessions: 0 };
  readonly clock: ParkedClock;
  readonly keys: FriendKeys;
  readonly lastKnown: LastKnownStore;
  readonly reacher: Reacher;
  readonly #sockets: WindowSockets;
  readonly #supervisors = new Map<PeerKey, ListenerSupervisor>();
  readonly #subscriptions: Disposable[] = [];
  #config: ParkedConfig;
  #generation = 0;
  #disposed = false;

  readonly #attendance: AttendanceIo;

  constructor(private readonly ctx: ExtensionContext) {
    this.#config = readConfig(ctx);
    this.clock = new ParkedClock(() => this.#config.clockOffsetMs);
    this.keys = new FriendKeys(ctx);
    this.lastKnown = new LastKnownStore(ctx);
    this.#sockets = new WindowSockets(ctx, (shared) => this.clock.toLocal(shared), (peer, listener) => this.#watch(peer, listener));
    this.#attendance = new AttendanceIo(ctx, () => this.#config.rendezvousUrl, () => this.counters.rendezvousRequests++);
    this.reacher = new Reacher({
      ctx, attendance: this.#attendance, keys: this.keys, schedule: () => this.#config.schedule, clock: this.clock, sockets: this.#sockets, lastKnown: this.lastKnown,
    });
  }

  /** What the window sockets took and refused. */
  windowCounters(): ReturnType<WindowSockets['counters']> {
    return this.#sockets.counters();
  }

  get config(): ParkedConfig {
    return this.#config;
  }

  /** The supervisor of `peer`, while Parked is on. */
  supervisor(peer: PeerKey): ListenerSupervisor | undefined {
    return this.#supervisors.get(peer);
  }

  async start(): Promise<void> {
    const { ctx } = this;
    this.#subscriptions.push(
      ctx.sessions.onDidOpen((s) => void this.#remember(s.peer, s.remote)),
      ctx.friends.onDidChange((e) => void this.#friendChanged(e.peer, e.change)),
      ctx.settings.onDidChange((e) => {
        if (e.id.startsWith('parked.')) void this.#reconfigure();
      }),
    );
    for (const s of ctx.sessions.all) await this.#remember(s.peer, s.remote);
    await this.#reconfigure();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const s of this.#subscriptions.splice(0)) s.dispose();
    this.#stopAll();
    void this.#sockets.dispose();
    this.keys.clear();
  }

  async #reconfigure(): Promise<void> {
    const generation = ++this.#generation;
    const was = this.#config;
    this.#config = readConfig(this.ctx);
    this.#stopAll();
    // Leaving Parked, a new schedule or another clock: no window socket of the old timeline stays open.
    const timeline = (c: ParkedConfig) => JSON.stringify([c.schedule, c.clockOffsetMs]);
    if (!this.#config.on || timeline(was) !== timeline(this.#config)) await this.#sockets.closeAll();
    if (!this.#config.on || this.#disposed) return;
    const friends = await this.ctx.friends.list();
    if (generation !== this.#generation || this.#disposed) return;
    for (const friend of friends) await this.#startFor(friend.peer, generation);
    this.ctx.log.info('parked: supervisors running', { friends: this.#supervisors.size });
  }

  async #startFor(peer: PeerKey, generation: number): Promise<void> {
    if (this.#supervisors.has(peer)) return;
    const key = await this.keys.get(peer);
    if (generation !== this.#generation || this.#disposed || this.#supervisors.has(peer)) return;
    const supervisor = new ListenerSupervisor(peer, {
      ctx: this.ctx, key, schedule: this.#config.schedule, clock: this.clock, sockets: this.#sockets, lastKnown: this.lastKnown,
      counters: this.counters, inWindow: (p, w) => void this.#attend(p, w),
    });
    this.#supervisors.set(peer, supervisor);
    supervisor.start();
  }

  async #friendChanged(peer: PeerKey, change: 'saved' | 'updated' | 'removed'): Promise<void> {
    if (change === 'removed') {
      this.#supervisors.get(peer)?.stop();
      this.#supervisors.delete(peer);
      this.keys.forget(peer);
      await this.lastKnown.forget(peer).catch(() => undefined);
      return;
    }
    if (this.#config.on && !this.#disposed) await this.#startFor(peer, this.#generation);
  }

  #stopAll(): void {
    for (const s of this.#supervisors.values()) s.stop();
    this.#supervisors.clear();
  }

  /**
   * Timed attendance: while this window is open (and only then), look into its room for a reach
   * note, answer it with our public IPv4 address and punch at the instant it names.
   */
  async #attend(peer: PeerKey, window: ParkedWindow): Promise<void> {
    if (!this.#attendance.enabled) return;
    const key = await this.keys.get(peer);
    const closeAt = this.clock.toLocal(window.closeMs);
    const answered = new Set<string>();
    const url = this.#config.rendezvousUrl;
    const active = () => !this.#disposed && this.#supervisors.has(peer) && Date.now() < closeAt - 500 && !this.ctx.sessions.get(peer);
    while (active()) {
      try {
        this.counters.attendancePolls++;
        const asked = Date.now();
        this.counters.rendezvousRequests++;
        this.clock.observeRendezvous(await this.ctx.rendezvous.time(url), Math.round((asked + Date.now()) / 2));
        for (const note of await this.#attendance.notes(key, window)) {
          if (note.t !== 'reach' || answered.has(note.id) || !note.v4) continue;
          answered.add(note.id);
          const mine = (await this.ctx.network.discover()).ipv4?.address ?? null;
          await this.#attendance.post(key, window, { t: 'answer', v4: mine, at: note.at, id: note.id });
          const listener = await this.#sockets.get(peer, window, 'ipv4');
          const targets = window.ports.map((port) => ({ address: note.v4!, port, family: 'ipv4' as const }));
          void listener?.connect(peer, targets, { atMs: Math.max(Date.now(), this.clock.toLocal(note.at)), timeoutMs: 5_000 }).catch(() => undefined);
        }
      } catch (error) {
        this.ctx.log.debug('parked attendance failed', { error: (error as Error).message });
      }
      await new Promise((r) => setTimeout(r, ATTEND_POLL_MS));
    }
  }

  #watch(peer: PeerKey, listener: SessionListener): void {
    listener.onDidOpenSession((session) => {
      this.counters.windowSessions++;
      this.ctx.diagnostics.trace({ stage: 'parked-window', outcome: 'ok', peer: session.peer, detail: `${listener.local.family} session in the window` });
      void this.#remember(session.peer, session.remote);
    });
    void peer;
  }

  async #remember(peer: PeerKey, remote: { address: string; port: number; family: 'ipv4' | 'ipv6' }): Promise<void> {
    try {
      await this.lastKnown.remember(peer, remote);
    } catch (error) {
      this.ctx.log.debug('parked: last known address not stored', { error: (error as Error).message });
    }
  }
}
