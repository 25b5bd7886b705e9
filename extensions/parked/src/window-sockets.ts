/**
 * The timed session listeners of the parked windows, one per friend, window and family, shared by
 * the listening supervisor and the reaching side (both bind the same derived port when both
 * friends are parked). A socket closes by itself at the window's end unless it carries a session.
 */
import type { DatagramCounters, ExtensionContext, PeerKey, SessionListener } from '@kith/sdk';
import type { ParkedWindow } from './schedule.js';

/** The host allows 16 listeners per extension; keep a few for the reaching side. */
export const MAX_WINDOW_SOCKETS = 14;

export type Family = 'ipv4' | 'ipv6';

export class WindowSockets {
  readonly #open = new Map<string, Promise<SessionListener | undefined>>();
  readonly #live = new Set<SessionListener>();
  /** What closed window sockets took and refused (strangers, garbage, replays), kept for the status. */
  readonly #closedTotals = { accepted: 0, rejected: 0, reasons: {} as Record<string, number> };
  #disposed = false;

  constructor(
    private readonly ctx: Pick<ExtensionContext, 'network' | 'log'>,
    /** Shared-clock instant → local Unix ms. */
    private readonly toLocal: (sharedMs: number) => number,
    private readonly onOpened: (peer: PeerKey, listener: SessionListener) => void,
  ) {}

  /** The window's listener for `family`, bound on its first free derived port; undefined when none could be bound. */
  get(peer: PeerKey, window: ParkedWindow, family: Family): Promise<SessionListener | undefined> {
    const key = `${peer} ${window.index} ${family}`;
    let pending = this.#open.get(key);
    if (!pending) {
      pending = this.#bind(peer, window, family);
      this.#open.set(key, pending);
      void pending.then((listener) => {
        if (!listener) this.#open.delete(key);
        else listener.onDidClose(() => this.#open.delete(key));
      });
    }
    return pending;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Close every window socket (leaving Parked, extension stop). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.closeAll();
  }

  /** Close every window socket now (sessions over them end); later windows bind afresh. */
  async closeAll(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    for (const listener of await Promise.all(all)) {
      if (!listener) continue;
      this.#retire(listener);
      listener.dispose();
    }
  }

  async #bind(peer: PeerKey, window: ParkedWindow, family: Family): Promise<SessionListener | undefined> {
    if (this.#disposed || this.#open.size >= MAX_WINDOW_SOCKETS) return undefined;
    const untilMs = this.toLocal(window.closeMs);
    if (untilMs <= Date.now() + 50) return undefined;
    for (const port of window.ports) {
      try {
        const listener = await this.ctx.network.listenForSessions({ port, family, untilMs });
        if (this.#disposed) {
          listener.dispose();
          return undefined;
        }
        this.#live.add(listener);
        listener.onDidClose(() => this.#retire(listener));
        this.onOpened(peer, listener);
        return listener;
      } catch (error) {
        // Taken by another program: the next derived port is the friend's fallback too.
        this.ctx.log.debug('parked window port not bound', { family, error: (error as Error).message });
      }
    }
    return undefined;
  }

  /** Datagrams every window socket of this activation took and refused so far. */
  counters(): DatagramCounters {
    const totals = { accepted: this.#closedTotals.accepted, rejected: this.#closedTotals.rejected, reasons: { ...this.#closedTotals.reasons } };
    for (const listener of this.#live) add(totals, listener.counters());
    return totals;
  }

  #retire(listener: SessionListener): void {
    if (!this.#live.delete(listener)) return;
    add(this.#closedTotals, listener.counters());
  }
}

function add(into: { accepted: number; rejected: number; reasons: Record<string, number> }, c: DatagramCounters): void {
  into.accepted += c.accepted;
  into.rejected += c.rejected;
  for (const [reason, n] of Object.entries(c.reasons)) into.reasons[reason] = (into.reasons[reason] ?? 0) + n;
}
