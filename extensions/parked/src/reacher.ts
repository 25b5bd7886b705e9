/**
 * The reaching side: at the friend's next window (derived from the same key), bind the window's
 * port and send HELLOs from it to the friend's last known addresses at the derived instant, so
 * both firewalls see outbound traffic first. No rendezvous request is made.
 */
import { KithError, type Endpoint, type ExtensionContext, type PeerKey } from '@kith/sdk';
import { randomBytes } from 'node:crypto';
import { ATTEND_POLL_MS, type AttendanceIo } from './attendance.js';
import type { FriendKeys } from './friend-keys.js';
import type { LastKnownStore } from './last-known-store.js';
import type { ParkedClock } from './parked-clock.js';
import { reachWindow, type ParkedWindow, type ScheduleConfig } from './schedule.js';
import { windowTargets } from './targets.js';
import type { Family, WindowSockets } from './window-sockets.js';

export interface ReachResult {
  readonly peer: PeerKey;
  readonly family: Family | 'existing' | 'ipv4-attended';
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
  readonly ctx: Pick<ExtensionContext, 'sessions' | 'friends' | 'diagnostics' | 'network'>;
  readonly attendance: AttendanceIo;
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
    const attempts = (['ipv6', 'ipv4'] as const).map((family) => ({ family, targets: windowTargets(known, window, family, options.hints ?? []) }))
      .filter((a) => a.targets.length > 0)
      .map(async ({ family, targets }) => {
        const listener = await this.d.sockets.get(peer, window, family);
        if (!listener) throw new Error(`no ${family} window port free`);
        const opened = await listener.connect(peer, targets, { atMs: startAt, timeoutMs: Math.max(1_000, endAt - startAt) });
        // Each attempt resolves with the friend's session, whichever attempt (or side) opened it:
        // the session's own address says which family it runs on.
        return { family: opened.remote.family, remote: opened.remote, openedAt: opened.openedAt };
      });
    const reasons: string[] = [];
    let first: { family: ReachResult['family']; remote: Endpoint; openedAt: number } | undefined;
    if (attempts.length === 0) reasons.push('no address of the friend known');
    else {
      try {
        first = await Promise.any(attempts);
      } catch (error) {
        reasons.push(...(error instanceof AggregateError ? error.errors.map((e) => (e as Error).message) : [(error as Error).message]));
      }
    }
    // IPv4 without a working known address: meet in the rendezvous room of this window (the parked side attends it now).
    if (!first && this.d.attendance.enabled) {
      try {
        first = await this.#attended(peer, window);
      } catch (error) {
        reasons.push(`attendance: ${(error as Error).message}`);
      }
    }
    if (first) {
      // The friend's own HELLOs at its window's start (skewed clocks) can open the session on our
      // window port before this side's start: then it opened at once, not before we began.
      const startedAt = Math.min(startAt, first.openedAt);
      this.d.ctx.diagnostics.trace({ stage: 'parked-reach', outcome: 'ok', peer, ms: first.openedAt - startedAt, detail: first.family });
      return { peer, ...first, window, startedAt };
    }
    this.d.ctx.diagnostics.trace({ stage: 'parked-reach', outcome: 'failed', peer, detail: reasons.join('; ') });
    const next = reachWindow(await this.d.keys.get(peer), this.d.schedule(), Math.max(this.d.clock.now(), window.endMs));
    throw new KithError('KITH_ERR_PEER_UNREACHABLE', `No direct path in the friend's window: ${reasons.join('; ')}`, {
      next_window: { start_ms: next.startMs, end_ms: next.endMs },
    });
  }

  /** Post a sealed reach note in this window's room, wait for the parked side's answer, punch at the named instant. */
  async #attended(peer: PeerKey, window: ParkedWindow): Promise<{ family: ReachResult['family']; remote: Endpoint; openedAt: number }> {
    const key = await this.d.keys.get(peer);
    const mine = (await this.d.ctx.network.discover()).ipv4?.address ?? null;
    // Late enough for the parked side's next look into the room and its answer, inside the listening span.
    const at = Math.min(this.d.clock.now() + ATTEND_POLL_MS + 1_500, window.closeMs - 1_000);
    const id = randomBytes(8).toString('hex');
    await this.d.attendance.post(key, window, { t: 'reach', v4: mine, at, id });
    const deadline = this.d.clock.toLocal(at) + 1_000;
    let answer: string | null = null;
    while (answer === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 400));
      const notes = await this.d.attendance.notes(key, window);
      answer = notes.find((n) => n.t === 'answer' && n.id === id && n.v4)?.v4 ?? null;
    }
    if (!answer) throw new Error('the friend did not answer in its window');
    const listener = await this.d.sockets.get(peer, window, 'ipv4');
    if (!listener) throw new Error('no ipv4 window port free');
    const targets = windowTargets(undefined, window, 'ipv4', [{ address: answer, port: 0, family: 'ipv4' }]);
    const atLocal = Math.max(Date.now(), this.d.clock.toLocal(at));
    const opened = await listener.connect(peer, targets, { atMs: atLocal, timeoutMs: 5_000 });
    return { family: 'ipv4-attended', remote: opened.remote, openedAt: opened.openedAt };
  }
}
