import { Disposable, KithError, type Timers } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';

/** Live timers one extension may hold at once: a runaway loop fails loudly instead of piling up. */
export const MAX_LIVE_TIMERS = 1024;

/** Timers tied to the extension's lifetime; a callback that throws faults the extension. */
export function createTimers(scope: ExtensionScope): Timers {
  let live = 0;
  const hold = (clear: () => void) => {
    live++;
    return scope.track(
      new Disposable(() => {
        live--;
        clear();
      }),
    );
  };
  const checkRoom = () => {
    if (live >= MAX_LIVE_TIMERS) {
      throw new KithError('KITH_ERR_RATE_LIMITED', `Extension "${scope.extension.id}" already holds ${MAX_LIVE_TIMERS} timers`);
    }
  };
  const guard = (callback: () => void) => () => {
    try {
      callback();
    } catch (error) {
      scope.fault(error);
    }
  };
  const checkMs = (ms: number) => {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new RangeError('ms must be a finite number >= 0');
    return Math.min(ms, 2 ** 31 - 1);
  };
  return {
    setTimeout(callback, ms) {
      checkRoom();
      let timer: Disposable | undefined;
      const handle = setTimeout(() => {
        timer?.dispose(); // a fired timeout no longer counts
        guard(callback)();
      }, checkMs(ms));
      timer = hold(() => clearTimeout(handle));
      return timer;
    },
    setInterval(callback, ms) {
      checkRoom();
      const handle = setInterval(guard(callback), Math.max(1, checkMs(ms)));
      return hold(() => clearInterval(handle));
    },
  };
}
