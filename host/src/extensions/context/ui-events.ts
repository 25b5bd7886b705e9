import { KithError, type UiEvents } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';
import type { UiHub } from '../../core/ui-hub.js';

const EVENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** `ctx.events`: socket.io messages named `<ext-id>:<name>` between the extension and its UI. */
export function createUiEvents(scope: ExtensionScope, hub: UiHub): UiEvents {
  const fullName = (name: string) => {
    if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Event name "${String(name)}" must be 1-64 letters, digits, dots, dashes or underscores`);
    }
    return `${scope.extension.id}:${name}`;
  };
  return {
    emit(name, payload) {
      hub.emit(fullName(name), payload);
    },
    on(name, handler) {
      return scope.track(
        hub.on(fullName(name), (payload) => {
          try {
            const result = handler(payload) as unknown;
            if (result instanceof Promise) result.catch((error) => scope.fault(error));
          } catch (error) {
            scope.fault(error);
          }
        }),
      );
    },
  };
}
