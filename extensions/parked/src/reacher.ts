/**
 * The reaching side: at the friend's next window (derived from the same key), bind the window's
 * port and send HELLOs from it to the friend's last known addresses at the derived instant, so
 * both firewalls see outbound traffic first. No rendezvous request is made.
 */
import { KithError, type Endpoint, type ExtensionContext, type PeerKey } from '@kith/sdk';
import type { FriendKeys } from './friend-keys.js';
import type { LastKnownStore } from './last-known-store.js';
import type { ParkedClock } from './parked-clock.js';
import { reachWindow, type ParkedWindow, type ScheduleConfig } from './schedule.js';
import { windowTargets } from './targets.js';
import type { Family, WindowSockets } from './window-sockets.js';

export interface ReachResult {
  readonly peer: PeerKey;
  readonly family: Family | 'existing';
  readonly remote: Endpoint;
  readonly window: ParkedWindow;
  /** Local Unix ms: when this side started sending, and when the session opened. */
  readonly startedAt: number;
  readonly openedAt: number;
}

export interface ReachOptions {
  /** Addresses given by the caller (e.g. the page), tried besides the stored ones. */
  readonly hints?: readonly Endpoint[];
  /** Wait at most this long for the window to open (default 0: only a window open now). */
  readonly maxWaitMs?: number;
}

export interface ReacherDeps {
  readonly ctx: Pick<ExtensionContext, 'sessions' | 'friends' | 'diagnostics'>;
  readonly keys: FriendKeys;
  readonly schedule: () => ScheduleConfig;
  readonly clock: ParkedClock;
  readonly sockets: WindowSockets;
  readonly lastKnown: LastKnownStore;
}

export class Reacher {
  constructor(private readonly d: ReacherDeps) {}

  /** The window a reach aims at now. */
  async window(peer: PeerKey): Promise<ParkedWindow> {
    return reachWindow(await this.d.keys.get(peer), this.d.schedule(), this.d.clock.now());
  }

  async reach(peer: PeerKey, options: ReachOptions = {}): Promise<ReachResult> {
    if (!(await this.d.ctx.friends.get(peer))) throw new KithError('KITH_ERR_NOT_FOUND', 'Parked reach works only with saved friends');
    const window = await this.window(peer);
    const live = this.d.ctx.sessions.get(peer);
    if (live) return { peer, family: 'existing', remote: live.remote, window, startedAt: live.openedAt, openedAt: live.openedAt };
    const startAt = this.d.clock.toLocal(Math.max(this.d.clock.now(), window.startMs));
    const waitMs = startAt - Date.now();
    if (waitMs > (options.maxWaitMs ?? 0)) {
      throw new KithError('KITH_ERR_CONFLICT', `The friend's next window opens in ${Math.ceil(waitMs / 1000)} s`, {
        next_window: { start_ms: window.startMs, end_ms: window.endMs, opens_in_ms: Math.round(waitMs) },
      });
    }
    const known = await this.d.lastKnown.get(peer);
    const endAt = this.d.clock.toLocal(window.endMs);
    const attempts = (['ipv6', 'ipv4'] as const).map(async (family) => {
      const targets = windowTargets(known, window, family, options.hints ?? []);
      if (targets.length === 0) throw new Error(`no ${family} address known`);
      const listener = await this.d.sockets.get(peer, window, family);
      if (!listener) throw new Error(`no ${family} window port free`);
      const opened = await listener.connect(peer, targets, { atMs: startAt, timeoutMs: Math.max(1_000, endAt - startAt) });
      return { family, remote: opened.remote, openedAt: opened.openedAt };
    });
    try {
      const first = await Promise.any(attempts);
      this.d.ctx.diagnostics.trace({ stage: 'parked-reach', outcome: 'ok', peer, ms: first.openedAt - startAt, detail: first.family });
      return { peer, ...first, window, startedAt: startAt };
    } catch (error) {
      const reasons = error instanceof AggregateError ? error.errors.map((e) => (e as Error).message) : [(error as Error).message];
      this.d.ctx.diagnostics.trace({ stage: 'parked-reach', outcome: 'failed', peer, detail: reasons.join('; ') });
      throw new KithError('KITH_ERR_PEER_UNREACHABLE', `No direct path in the friend's window: ${reasons.join('; ')}`, {
        next_window: await this.window(peer).then((w) => ({ start_ms: w.startMs, end_ms: w.endMs })),
      });
    }
  }
}
