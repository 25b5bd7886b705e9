import { Disposable, type Timers } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';

/** Timers tied to the extension's lifetime; a callback that throws faults the extension. */
export function createTimers(scope: ExtensionScope): Timers {
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
      const handle = setTimeout(guard(callback), checkMs(ms));
      return scope.track(new Disposable(() => clearTimeout(handle)));
    },
    setInterval(callback, ms) {
      const handle = setInterval(guard(callback), Math.max(1, checkMs(ms)));
      return scope.track(new Disposable(() => clearInterval(handle)));
    },
  };
}
