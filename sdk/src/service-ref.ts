/**
 * Typed service references, after Backstage's `createServiceRef`: the type travels with the id,
 * so a consumer cannot ask for a service under the wrong type.
 */

/** Service ids: `<ext-id>.<service>`, lowercase letters, digits, dots and dashes, at most 128 characters. */
export const SERVICE_ID_PATTERN = /^[a-z][a-z0-9-]{1,31}\.[a-z0-9][a-z0-9.-]{0,95}$/;

/** A service's id together with the type of its implementation (the type exists only at compile time). */
export interface ServiceRef<T> {
  readonly id: string;
  /** Never set: carries `T` so `provide` and `get` agree on it. */
  readonly T?: T;
}

/**
 * Declare a service once, in a module both provider and consumers import (or copy, since only
 * the id travels): `export const clockService = createServiceRef<Clock>({ id: 'ticker.clock' })`.
 */
export function createServiceRef<T>(options: { readonly id: string }): ServiceRef<T> {
  const id = options?.id;
  if (typeof id !== 'string' || !SERVICE_ID_PATTERN.test(id)) {
    throw new TypeError(`A service id is "<ext-id>.<service>" in lowercase letters, digits, dots and dashes, got "${String(id)}"`);
  }
  return Object.freeze({ id });
}
