import { Disposable, KithError, type ServiceRef, type Services } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';

/** The id behind a service ref (or a deprecated bare id string). */
function serviceIdOf(ref: ServiceRef<unknown> | string): string {
  const id = typeof ref === 'string' ? ref : (ref as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new KithError('KITH_ERR_BAD_REQUEST', 'Name a service with createServiceRef({ id })');
  return id;
}

/** Services offered between extensions, shared by all contexts of the active persona. */
export class ServiceRegistry {
  readonly #services = new Map<string, { owner: string; implementation: unknown }>();

  /** `ctx.services` for one extension: it may only provide ids under its own `<ext-id>.` prefix. */
  forScope(scope: ExtensionScope): Services {
    const id = scope.extension.id;
    const provide = (ref: ServiceRef<unknown> | string, implementation: unknown): Disposable => {
      const serviceId = serviceIdOf(ref);
      if (!serviceId.startsWith(`${id}.`) || serviceId.length > 128) {
        throw new KithError('KITH_ERR_BAD_REQUEST', `Service ids of "${id}" must start with "${id}."`);
      }
      const existing = this.#services.get(serviceId);
      if (existing) throw new KithError('KITH_ERR_DUPLICATE', `Service "${serviceId}" is already provided by "${existing.owner}"`);
      const entry = { owner: id, implementation };
      this.#services.set(serviceId, entry);
      return scope.track(
        new Disposable(() => {
          if (this.#services.get(serviceId) === entry) this.#services.delete(serviceId);
        }),
      );
    };
    const get = (ref: ServiceRef<unknown> | string): unknown => this.#services.get(serviceIdOf(ref))?.implementation;
    return { provide, get } as Services;
  }

  /** Service ids provided right now, with their owners. */
  list(): Array<{ id: string; owner: string }> {
    return [...this.#services].map(([serviceId, { owner }]) => ({ id: serviceId, owner }));
  }
}
