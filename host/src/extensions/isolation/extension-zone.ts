import { AsyncLocalStorage } from 'node:async_hooks';

/** What the zone carries: the run an asynchronous chain was started for. */
export interface ZoneOwner {
  readonly extensionId: string;
}

/**
 * The extension an asynchronous chain belongs to. Code the host calls on an extension's behalf
 * (activate, kind and route handlers, listeners, timer callbacks) runs inside `enter`, and Node
 * carries the owner through every promise, timer and callback started from there. Node 20 emits
 * `unhandledRejection` and `uncaughtException` in the failing chain's context, so the crash guard
 * can tell whose code escaped (test: host/test/extensions/crash-containment.test.ts).
 */
const zone = new AsyncLocalStorage<ZoneOwner>();

export function enterZone<T>(owner: ZoneOwner, fn: () => T): T {
  return zone.run(owner, fn);
}

/** The owner of the running chain, or undefined for the host's own code. */
export function zoneOwner(): ZoneOwner | undefined {
  return zone.getStore();
}

/** `fn`, re-entering `owner`'s zone whenever the host calls it later. */
export function inZone<F extends (...args: any[]) => unknown>(owner: ZoneOwner, fn: F): F {
  return function (this: unknown, ...args: unknown[]) {
    return zone.run(owner, () => fn.apply(this, args));
  } as F;
}
