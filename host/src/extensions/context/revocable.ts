import { KithError } from '@kith/sdk';
import { inZone, type ZoneOwner } from '../isolation/extension-zone.js';

/** What a revocable member asks before every use. */
export interface Revocation {
  /** Set once the run stops (turned off, faulted, persona locked or switched). */
  readonly revoked: boolean;
  readonly extensionId: string;
  /** Callbacks the extension hands to the host run in its zone (crash attribution). */
  readonly owner: ZoneOwner;
}

/**
 * `ctx.<member>` as the extension sees it: every property read and call first checks that the run
 * is still live and throws `KITH_ERR_CONTEXT_REVOKED` once it is not, so a context kept in a
 * closure is useless after deactivation, lock or a persona switch. Functions the extension passes
 * in (handlers, listeners, timer callbacks) run in its zone and throw instead once revoked.
 *
 * Values a member returns are not wrapped (kysely builders keep private fields a proxy would
 * break); what they reach is revoked at its own end (the storage channel, tracked resources).
 * The proxy's target is a blank object, so frozen members never trip a proxy invariant.
 */
export function revocable<T>(value: T, member: string, revocation: Revocation): T {
  if (typeof value === 'function') return guardFunction(value as (...args: unknown[]) => unknown, undefined, member, revocation) as T;
  if (value === null || typeof value !== 'object') return value;
  const target = value as Record<PropertyKey, unknown>;
  const functions = new Map<PropertyKey, unknown>();
  return new Proxy(Object.create(null) as object, {
    get(_blank, property) {
      // Language protocols (inspection, thenable checks) answer quietly even when revoked.
      if (typeof property === 'symbol' || property === 'then' || property === 'toJSON') return Reflect.get(target, property, target);
      check(revocation, `${member}.${property}`);
      const found = Reflect.get(target, property, target);
      if (typeof found !== 'function') return found;
      let wrapped = functions.get(property);
      if (wrapped === undefined || (wrapped as { inner?: unknown }).inner !== found) {
        wrapped = guardFunction(found as (...args: unknown[]) => unknown, target, `${member}.${property}`, revocation);
        functions.set(property, wrapped);
      }
      return wrapped;
    },
    has: (_blank, property) => Reflect.has(target, property),
    ownKeys: () => Reflect.ownKeys(target),
    getOwnPropertyDescriptor(_blank, property) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target, property);
      return descriptor && { enumerable: descriptor.enumerable, configurable: true, value: Reflect.get(target, property, target) };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  }) as T;
}

/** Throw `KITH_ERR_CONTEXT_REVOKED` once the run is over. */
export function check(revocation: Revocation, what: string): void {
  if (revocation.revoked) {
    throw new KithError(
      'KITH_ERR_CONTEXT_REVOKED',
      `ctx.${what} was used after extension "${revocation.extensionId}" stopped (turned off, faulted, persona locked or switched)`,
      { extension: revocation.extensionId },
    );
  }
}

function guardFunction(fn: (...args: unknown[]) => unknown, self: unknown, what: string, revocation: Revocation): unknown {
  const guarded = function (this: unknown, ...args: unknown[]) {
    check(revocation, what);
    return fn.apply(self ?? this, args.map((arg) => (typeof arg === 'function' ? callback(arg as (...a: unknown[]) => unknown, revocation) : arg)));
  };
  return Object.assign(guarded, { inner: fn });
}

/**
 * A callback the host will call later: in the extension's zone; once revoked it throws instead of
 * running (a late kind event is then refused, never acknowledged unpersisted).
 */
function callback(fn: (...args: unknown[]) => unknown, revocation: Revocation): (...args: unknown[]) => unknown {
  return inZone(revocation.owner, function (this: unknown, ...args: unknown[]) {
    check(revocation, 'callback');
    return fn.apply(this, args);
  });
}
