/** `GET /api/connect/parked/status` and `POST /api/connect/parked` (the reference's shapes, snake_case). */
import { KithError, type Disposable, type Endpoint, type ExtensionContext } from '@kith/sdk';
import type { ParkedRuntime } from './parked-runtime.js';
import { reachWindow, listeningWindows, type ParkedWindow } from './schedule.js';

const PEER_KEY = /^[0-9a-f]{64}$/;
/** The page may wait for the window this long in one request (it retries with the countdown otherwise). */
const MAX_WAIT_MS = 120_000;

function windowJson(w: ParkedWindow | undefined, toLocal: (ms: number) => number) {
  if (!w) return null;
  return {
    start_ms: w.startMs, end_ms: w.endMs, listen_from_ms: w.openMs, listen_until_ms: w.closeMs,
    opens_in_ms: Math.max(0, Math.round(toLocal(w.startMs) - Date.now())), ports: w.ports,
  };
}

function hint(value: unknown, family: 'ipv4' | 'ipv6'): Endpoint[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string' || value.length > 64) throw new KithError('KITH_ERR_BAD_REQUEST', `peer_${family === 'ipv6' ? 'v6' : 'v4'}_ip must be an address`);
  const isV6 = value.includes(':');
  if (isV6 !== (family === 'ipv6')) throw new KithError('KITH_ERR_BAD_REQUEST', `peer_${family === 'ipv6' ? 'v6' : 'v4'}_ip is not an ${family} address`);
  // Port 0 marks an address-only hint: the window's derived ports are used with it.
  return [{ address: value, port: 0, family }];
}

export function registerParkedRoutes(ctx: ExtensionContext, runtime: ParkedRuntime): Disposable[] {
  return [
    ctx.routes.get('/connect/parked/status', async () => {
      const now = runtime.clock.now();
      const toLocal = (ms: number) => runtime.clock.toLocal(ms);
      const friends = await ctx.friends.list();
      const rows = [];
      for (const friend of friends.slice(0, 500)) {
        const key = await runtime.keys.get(friend.peer);
        const schedule = runtime.config.schedule;
        const [listening] = listeningWindows(key, schedule, now, 1);
        const aim = reachWindow(key, schedule, now);
        const known = await runtime.lastKnown.get(friend.peer);
        const current = aim.startMs <= now ? aim : undefined;
        rows.push({
          master_pubkey: friend.peer,
          label: friend.label,
          current_window: windowJson(current, toLocal),
          next_window: windowJson(current ? reachWindow(key, schedule, aim.endMs) : aim, toLocal),
          listening: runtime.supervisor(friend.peer)?.current !== undefined,
          next_listen_from_ms: listening!.openMs,
          last_known: { ipv4: !!known?.ipv4, ipv6: !!known?.ipv6 },
          session: !!ctx.sessions.get(friend.peer),
        });
      }
      return {
        parked: runtime.config.on,
        now_ms: now,
        clock: runtime.clock.source,
        schedule: { period_ms: runtime.config.schedule.periodMs, window_ms: runtime.config.schedule.windowMs, skew_ms: runtime.config.schedule.skewMs },
        schedule_problem: runtime.config.scheduleProblem,
        counters: { ...runtime.counters },
        window_datagrams: runtime.windowCounters(),
        friends: rows,
      };
    }),
    ctx.routes.post('/connect/parked', async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const peer = body.master_pubkey;
      if (typeof peer !== 'string' || !PEER_KEY.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'master_pubkey must be 64 hex characters');
      const wait = body.wait_ms ?? 0;
      if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_MS) {
        throw new KithError('KITH_ERR_BAD_REQUEST', `wait_ms must be an integer 0..${MAX_WAIT_MS}`);
      }
      const hints = [...hint(body.peer_v6_ip, 'ipv6'), ...hint(body.peer_v4_ip, 'ipv4')];
      if (body.fallback !== undefined && typeof body.fallback !== 'boolean') throw new KithError('KITH_ERR_BAD_REQUEST', 'fallback must be a boolean');
      if (body.fallback === true) {
        // The page's fallback: a normal rendezvous request (the host's just-in-time connect).
        const started = Date.now();
        const session = await ctx.sessions.connect(peer, { timeoutMs: 30_000 });
        return { session: { peer, path: session.path, remote: session.remote }, window: null, started_at: started, opened_at: session.openedAt, window_to_session_ms: null };
      }
      const result = await runtime.reacher.reach(peer, { maxWaitMs: wait, hints });
      return {
        session: { peer: result.peer, path: result.family === 'existing' ? 'existing' : `parked-${result.family}`, remote: result.remote },
        window: { start_ms: result.window.startMs, end_ms: result.window.endMs },
        started_at: result.startedAt,
        opened_at: result.openedAt,
        window_to_session_ms: result.openedAt - result.startedAt,
      };
    }),
  ];
}
