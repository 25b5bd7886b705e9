import { KithError } from '@kith/sdk';

/**
 * A stand-in for a context member no area of this host provides: touching any of its properties
 * throws `KITH_ERR_NOT_AVAILABLE` naming the member, so an extension can feature-detect with try/catch.
 */
export function unavailable<T extends object>(member: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      // Symbols are asked for by inspection and coercion (util.inspect, String()); answer those quietly.
      if (typeof property === 'symbol') return undefined;
      throw new KithError('KITH_ERR_NOT_AVAILABLE', `ctx.${member} is not available in this host (${member}.${property})`, { member });
    },
  });
}
