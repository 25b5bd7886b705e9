/**
 * One parked friend: sleeps until the friend's next window, then binds the window's derived ports
 * (both families) for the window, and keeps this side's firewall open toward the friend's last
 * known address with a few HELLOs now and then (simultaneous open). The host answers only this
 * friend's handshake on those sockets; everything else gets no reply and is counted.
 */
import type { Disposable, ExtensionContext, PeerKey } from '@kith/sdk';
import type { LastKnownStore } from './last-known-store.js';
import type { ParkedClock } from './parked-clock.js';
import { listeningWindows, type ParkedWindow, type ScheduleConfig } from './schedule.js';
import { windowTargets } from './targets.js';
import type { WindowSockets } from './window-sockets.js';

/** How often HELLOs refresh the firewall pinhole during a window (UDP conntrack forgets after ~30 s). */
export const PINHOLE_EVERY_MS = 10_000;
/** How long each refresh sends (HELLO bursts every 40 ms). */
export const PINHOLE_BURST_MS = 120;

export interface SupervisorDeps {
  readonly ctx: Pick<ExtensionContext, 'timers' | 'sessions' | 'log'>;
  readonly key: Uint8Array;
  readonly schedule: ScheduleConfig;
  readonly clock: ParkedClock;
  readonly sockets: WindowSockets;
  readonly lastKnown: LastKnownStore;
  readonly counters: { wakeups: number; pinholes: number };
  /** Called inside every window (timed rendezvous attendance, when configured). */
  readonly inWindow?: (peer: PeerKey, window: ParkedWindow) => void;
}

export class ListenerSupervisor {
  #timer: Disposable | undefined;
  #stopped = false;
  /** Windows whose span has opened and not closed, by index. */
  readonly #open = new Map<number, ParkedWindow>();
  readonly #handled = new Set<number>();
  readonly #sleepers = new Set<() => void>();

  constructor(readonly peer: PeerKey, private readonly d: SupervisorDeps) {}

  start(): void {
    this.#plan();
  }

  /** The windows being listened in now. */
  get current(): ParkedWindow | undefined {
    return [...this.#open.values()][0];
  }

  stop(): void {
    this.#stopped = true;
    for (const wake of [...this.#sleepers]) wake();
    this.#timer?.dispose();
    this.#timer = undefined;
    this.#open.clear();
  }

  /**
   * Handle every window whose listening span has opened (spans overlap when the skew is long next
   * to the period), then sleep until the next one opens.
   */
  #plan(): void {
    if (this.#stopped) return;
    const now = this.d.clock.now();
    const windows = listeningWindows(this.d.key, this.d.schedule, now, 2 + Math.ceil((2 * this.d.schedule.skewMs) / this.d.schedule.periodMs));
    for (const w of windows) {
      if (w.openMs <= now && !this.#handled.has(w.index)) {
        this.#handled.add(w.index);
        void this.#handle(w);
      }
    }
    for (const index of this.#handled) if (!windows.some((w) => w.index === index)) this.#handled.delete(index);
    const next = windows.find((w) => w.openMs > now);
    const wakeIn = next ? Math.max(0, this.d.clock.toLocal(next.openMs) - Date.now()) : this.d.schedule.periodMs;
    this.#timer = this.d.ctx.timers.setTimeout(() => {
      this.d.counters.wakeups++;
      this.#plan();
    }, wakeIn);
  }

  async #handle(window: ParkedWindow): Promise<void> {
    if (this.#stopped) return;
    this.#open.set(window.index, window);
    const closeAt = this.d.clock.toLocal(window.closeMs);
    try {
      const bound = await Promise.all((['ipv6', 'ipv4'] as const).map(async (family) => ({ family, listener: await this.d.sockets.get(this.peer, window, family) })));
      this.d.inWindow?.(this.peer, window);
      await this.#pinholes(window, bound, closeAt);
    } catch (error) {
      this.d.ctx.log.warn('parked window failed', { error: (error as Error).message });
    }
    // The sockets close by themselves at the span's end; forget the window then.
    if (this.#stopped) return;
    this.d.ctx.timers.setTimeout(() => this.#open.delete(window.index), Math.max(0, closeAt - Date.now()));
  }

  /** Short HELLO bursts toward the friend's last known address, so our firewall lets its HELLOs in. */
  async #pinholes(
    window: ParkedWindow,
    bound: ReadonlyArray<{ family: 'ipv4' | 'ipv6'; listener: Awaited<ReturnType<WindowSockets['get']>> }>,
    closeAt: number,
  ): Promise<void> {
    const known = await this.d.lastKnown.get(this.peer);
    const aims = bound.map((b) => ({ ...b, targets: windowTargets(known, window, b.family) })).filter((b) => b.listener && b.targets.length > 0);
    if (aims.length === 0) return;
    // Until the span closes: a session that opens and closes again in the window needs the pinhole again.
    while (!this.#stopped && Date.now() < closeAt - PINHOLE_BURST_MS) {
      if (!this.d.ctx.sessions.get(this.peer)) {
        this.d.counters.pinholes++;
        await Promise.all(aims.map((a) => a.listener!.connect(this.peer, a.targets, { timeoutMs: PINHOLE_BURST_MS }).catch(() => undefined)));
      }
      await this.#sleep(Math.min(PINHOLE_EVERY_MS, Math.max(0, closeAt - Date.now())));
    }
  }

  /** A timer sleep that stop() cuts short. */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        timer.dispose();
        resolve();
      };
      const timer = this.d.ctx.timers.setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }
}
