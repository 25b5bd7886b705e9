/**
 * "Reach now" for one friend, without the DOM: try the parked reach; when the window is not open
 * yet, count down to it and retry once it opens; when the window passed without a path, fall back
 * to a normal rendezvous request. The component renders `state`; tests drive it with a fake clock.
 */
export type ReachState =
  | { readonly step: 'idle' }
  | { readonly step: 'waiting'; readonly opensAt: number }
  | { readonly step: 'reaching' }
  | { readonly step: 'falling-back'; readonly reason: string }
  | { readonly step: 'connected'; readonly path: string }
  | { readonly step: 'failed'; readonly reason: string };

export interface ReachApi {
  /** POST /connect/parked; rejects with an error carrying `status` and `details`. */
  reach(fallback: boolean): Promise<{ session: { path: string } }>;
}

export interface ReachClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Retries of a countdown that keeps finding the window shut (clock skew): then the fallback. */
const MAX_WAITS = 3;

export async function reachNow(api: ReachApi, clock: ReachClock, show: (state: ReachState) => void): Promise<ReachState> {
  let parkedFailure = '';
  for (let waits = 0; waits <= MAX_WAITS; waits++) {
    show({ step: 'reaching' });
    try {
      const answer = await api.reach(false);
      return done(show, { step: 'connected', path: answer.session.path });
    } catch (error) {
      const e = error as { status?: number; message?: string; details?: { next_window?: { opens_in_ms?: number } } };
      const opensIn = e.details?.next_window?.opens_in_ms;
      if (e.status === 409 && typeof opensIn === 'number' && waits < MAX_WAITS) {
        const opensAt = clock.now() + opensIn;
        show({ step: 'waiting', opensAt });
        await clock.sleep(Math.max(0, opensIn) + 100);
        continue;
      }
      parkedFailure = e.message ?? 'no direct path in the window';
      break;
    }
  }
  show({ step: 'falling-back', reason: parkedFailure });
  try {
    const answer = await api.reach(true);
    return done(show, { step: 'connected', path: answer.session.path });
  } catch (error) {
    return done(show, { step: 'failed', reason: `${parkedFailure}; through the rendezvous: ${(error as Error).message}` });
  }
}

function done(show: (state: ReachState) => void, state: ReachState): ReachState {
  show(state);
  return state;
}

/** "opens in 1:05" for a countdown. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
