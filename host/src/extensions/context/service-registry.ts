import { Disposable, KithError, type Services } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';

/** Services offered between extensions, shared by all contexts of the active persona. */
export class ServiceRegistry {
  readonly #services = new Map<string, { owner: string; implementation: unknown }>();

  /** `ctx.services` for one extension: it may only provide ids under its own `<ext-id>.` prefix. */
  forScope(scope: ExtensionScope): Services {
    const id = scope.extension.id;
    return {
      provide: (serviceId, implementation) => {
        if (typeof serviceId !== 'string' || !serviceId.startsWith(`${id}.`) || serviceId.length > 128) {
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
      },
      get: <T>(serviceId: string) => this.#services.get(serviceId)?.implementation as T | undefined,
    };
  }

  /** Service ids provided right now, with their owners. */
  list(): Array<{ id: string; owner: string }> {
    return [...this.#services].map(([serviceId, { owner }]) => ({ id: serviceId, owner }));
  }
}
