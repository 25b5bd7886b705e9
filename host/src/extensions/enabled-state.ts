import type { Kysely } from 'kysely';
import type { HostTables } from '../storage/tables.js';
import type { ExtensionRecord } from './extension-record.js';

/** One persona's switches: which extensions are on, and which wait for the user to grant permissions. */
export interface Switches {
  readonly enabled: Map<string, boolean>;
  /** Third-party extensions off until the user turns them on, agreeing to the permissions they list. */
  readonly awaitingConsent: Set<string>;
}

/**
 * Per-persona on/off switches (table `extension_state`); absent rows mean the manifest default.
 * Turning an extension on records the permissions it asked for then (`granted`): a third-party
 * extension listing any permission is off until that happens, and again when a new version asks
 * for one that was not granted. Built-ins ship with Kith and are reviewed with it: their
 * permissions need no grant.
 */
export class EnabledState {
  readonly #db: Kysely<HostTables>;

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  async load(persona: string, records: readonly ExtensionRecord[]): Promise<Switches> {
    const rows = await this.#db
      .selectFrom('extension_state')
      .select(['extension_id', 'enabled', 'granted'])
      .where('persona', '=', persona)
      .execute();
    const stored = new Map(rows.map((r) => [r.extension_id, r]));
    const enabled = new Map<string, boolean>();
    const awaitingConsent = new Set<string>();
    for (const record of records) {
      const row = stored.get(record.id);
      const asked = permissionsToGrant(record);
      if (asked.length === 0) {
        enabled.set(record.id, row ? row.enabled === 1 : (record.manifest?.enabledByDefault ?? true));
        continue;
      }
      const granted = new Set(readGranted(row?.granted ?? null));
      const consented = asked.every((permission) => granted.has(permission));
      enabled.set(record.id, consented && row?.enabled === 1);
      if (!consented) awaitingConsent.add(record.id);
    }
    return { enabled, awaitingConsent };
  }

  /** Turning it on grants what it asks for now; turning it off keeps the earlier grant on record. */
  async set(persona: string, record: ExtensionRecord, enabled: boolean): Promise<void> {
    const granted = enabled ? JSON.stringify(permissionsToGrant(record)) : null;
    const row = { persona, extension_id: record.id, enabled: enabled ? 1 : 0, updated_at: Date.now(), granted };
    await this.#db
      .insertInto('extension_state')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['persona', 'extension_id']).doUpdateSet(enabled ? { enabled: 1, updated_at: row.updated_at, granted } : { enabled: 0, updated_at: row.updated_at }),
      )
      .execute();
  }
}

/** The permissions the user must grant before `record` runs: none for a built-in. */
export function permissionsToGrant(record: ExtensionRecord): readonly string[] {
  return record.builtin ? [] : (record.manifest?.permissions ?? []);
}

function readGranted(text: string | null): readonly string[] {
  if (text === null) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}
