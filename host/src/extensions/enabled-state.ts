import type { Kysely } from 'kysely';
import type { HostTables } from '../storage/tables.js';
import type { ExtensionRecord } from './extension-record.js';

/** Per-persona on/off switches (table `extension_state`); absent rows mean the manifest default. */
export class EnabledState {
  readonly #db: Kysely<HostTables>;

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  /** id → enabled for `persona`, for every record (defaults filled in). */
  async load(persona: string, records: readonly ExtensionRecord[]): Promise<Map<string, boolean>> {
    const rows = await this.#db
      .selectFrom('extension_state')
      .select(['extension_id', 'enabled'])
      .where('persona', '=', persona)
      .execute();
    const stored = new Map(rows.map((r) => [r.extension_id, r.enabled === 1]));
    return new Map(records.map((r) => [r.id, stored.get(r.id) ?? r.manifest?.enabledByDefault ?? true]));
  }

  async set(persona: string, extensionId: string, enabled: boolean): Promise<void> {
    const row = { persona, extension_id: extensionId, enabled: enabled ? 1 : 0, updated_at: Date.now() };
    await this.#db
      .insertInto('extension_state')
      .values(row)
      .onConflict((oc) => oc.columns(['persona', 'extension_id']).doUpdateSet({ enabled: row.enabled, updated_at: row.updated_at }))
      .execute();
  }
}
