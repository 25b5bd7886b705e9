import { KithError } from '@kith/sdk';

/**
 * A stand-in for a context member no area of this host provides: touching any of its properties
 * throws `KITH_ERR_NOT_AVAILABLE` naming the member, so an extension can feature-detect with try/catch.
 */
export function unavailable<T extends object>(member: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Language protocols (inspection, coercion, JSON, thenable checks) are answered quietly, so
      // logging or awaiting the member does not throw; every real member access does.
      if (typeof property === 'symbol' || property === 'then' || property === 'toJSON') return undefined;
      if (property === 'toString' || property === 'valueOf') return () => `[ctx.${member}: not available]`;
      throw new KithError('KITH_ERR_NOT_AVAILABLE', `ctx.${member} is not available in this host (${member}.${property})`, { member });
    },
  });
}
