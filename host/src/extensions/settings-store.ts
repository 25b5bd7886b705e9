import type { Kysely } from 'kysely';
import { EventEmitter, KithError, type Event, type SettingContribution } from '@kith/sdk';
import type { HostTables } from '../storage/tables.js';
import { inRange } from './manifest-schema.js';

/** A setting changed for a persona (from the API or from an extension's `settings.update`). */
export interface SettingChange {
  readonly persona: string;
  readonly extensionId: string;
  readonly id: string;
  readonly value: unknown;
}

/** Per-persona extension settings (table `extension_settings`), typed by the manifest's declarations. */
export class SettingsStore {
  readonly #db: Kysely<HostTables>;
  readonly #changes = new EventEmitter<SettingChange>();
  readonly onDidChange: Event<SettingChange> = this.#changes.event;

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  /** Every declared setting's value for `persona` (stored value or the declared default). */
  async values(persona: string, extensionId: string, declared: readonly SettingContribution[]): Promise<Record<string, unknown>> {
    const rows = await this.#db
      .selectFrom('extension_settings')
      .select(['setting_id', 'value_json'])
      .where('persona', '=', persona)
      .where('extension_id', '=', extensionId)
      .execute();
    const stored = new Map(rows.map((r) => [r.setting_id, r.value_json]));
    const values: Record<string, unknown> = {};
    for (const s of declared) {
      const raw = stored.get(s.id);
      const value = raw === undefined ? s.default : safeParse(raw, s.default);
      // A value stored before the range was declared (an update narrowed it) reads as the default.
      values[s.id] = typeof value === s.type && (typeof value !== 'number' || inRange(s, value)) ? value : s.default;
    }
    return values;
  }

  /** Store `value` after checking it against the declaration; fires {@link onDidChange}. */
  async update(persona: string, extensionId: string, declared: readonly SettingContribution[], id: string, value: unknown): Promise<void> {
    const setting = declared.find((s) => s.id === id);
    if (!setting) throw new KithError('KITH_ERR_NOT_FOUND', `Extension "${extensionId}" declares no setting "${id}"`);
    if (typeof value !== setting.type || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Setting "${id}" must be a ${setting.type}`);
    }
    if (typeof value === 'number' && !inRange(setting, value)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Setting "${id}" must be ${rangeText(setting)}`, {
        minimum: setting.minimum ?? null,
        maximum: setting.maximum ?? null,
        integer: setting.integer === true,
      });
    }
    const valueJson = JSON.stringify(value);
    if (valueJson.length > 4096) throw new KithError('KITH_ERR_PAYLOAD_TOO_LARGE', `Setting "${id}" is longer than 4096 characters`);
    await this.#db
      .insertInto('extension_settings')
      .values({ persona, extension_id: extensionId, setting_id: id, value_json: valueJson })
      .onConflict((oc) => oc.columns(['persona', 'extension_id', 'setting_id']).doUpdateSet({ value_json: valueJson }))
      .execute();
    this.#changes.fire({ persona, extensionId, id, value });
  }
}

function safeParse(json: string, fallback: unknown): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return fallback;
  }
}

/** "from 1 to 100", "a whole number from 1 to 100", "at least 0", "a whole number". */
function rangeText(setting: SettingContribution): string {
  const whole = setting.integer ? 'a whole number' : '';
  const { minimum, maximum } = setting;
  const range =
    minimum !== undefined && maximum !== undefined ? `from ${minimum} to ${maximum}` : minimum !== undefined ? `at least ${minimum}` : maximum !== undefined ? `at most ${maximum}` : '';
  return [whole, range].filter(Boolean).join(' ');
}
