import { Disposable, EventEmitter, KithError, type Settings } from '@kith/sdk';
import type { ExtensionScope } from '../../core/area.js';
import type { SettingsStore } from '../settings-store.js';

/**
 * `ctx.settings` for one extension and persona. Values are loaded before `activate` so `get` is
 * synchronous; changes made through the API reach `onDidChange` too.
 */
export function createSettings(scope: ExtensionScope, store: SettingsStore, initial: Record<string, unknown>): Settings {
  const values = { ...initial };
  const declared = scope.manifest.contributes?.settings ?? [];
  const persona = scope.persona.info.slug;
  const id = scope.extension.id;
  const changes = new EventEmitter<{ readonly id: string; readonly value: unknown }>();
  scope.track(new Disposable(() => changes.dispose()));
  scope.track(
    store.onDidChange((change) => {
      if (change.persona !== persona || change.extensionId !== id) return;
      values[change.id] = change.value;
      changes.fire({ id: change.id, value: change.value });
    }),
  );
  return {
    get<T>(settingId: string): T {
      if (!Object.prototype.hasOwnProperty.call(values, settingId)) {
        throw new KithError('KITH_ERR_NOT_FOUND', `Extension "${id}" declares no setting "${settingId}"`);
      }
      return values[settingId] as T;
    },
    update: (settingId, value) => store.update(persona, id, declared, settingId, value),
    onDidChange: changes.event,
  };
}
