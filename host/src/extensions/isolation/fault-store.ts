import type { Kysely } from 'kysely';
import { KithError } from '@kith/sdk';
import type { HostTables } from '../../storage/tables.js';

/**
 * The row id under which a crash fault is kept in `extension_settings`. Declared setting ids are
 * `[a-z][a-z0-9.-]*`, so this one can never collide with an extension's own setting.
 */
const FAULT_ROW = '@kith:fault';

interface StoredFault {
  readonly version: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Crash faults (an escaped error, a missed activation deadline, a dead extension host) are kept per
 * persona and extension version, so a restart or the next unlock does not run the same crash
 * again. They last until the user turns the extension on again or installs another version.
 */
export class FaultStore {
  readonly #db: Kysely<HostTables>;

  constructor(db: Kysely<HostTables>) {
    this.#db = db;
  }

  /** id → the recorded fault, for faults recorded against the version installed now. */
  async load(persona: string, versions: ReadonlyMap<string, string>): Promise<Map<string, KithError>> {
    const rows = await this.#db
      .selectFrom('extension_settings')
      .select(['extension_id', 'value_json'])
      .where('persona', '=', persona)
      .where('setting_id', '=', FAULT_ROW)
      .execute();
    const faults = new Map<string, KithError>();
    for (const row of rows) {
      const stored = parse(row.value_json);
      if (!stored || versions.get(row.extension_id) !== stored.version) continue;
      const error = new KithError('KITH_ERR_EXTENSION_FAULTED', stored.message, { extension: row.extension_id, recorded: true });
      if (stored.code.startsWith('KITH_ERR_')) Object.assign(error, { code: stored.code });
      faults.set(row.extension_id, error);
    }
    return faults;
  }

  async record(persona: string, extensionId: string, version: string, error: KithError): Promise<void> {
    const value_json = JSON.stringify({ version, code: error.code, message: error.message.slice(0, 1000) } satisfies StoredFault);
    await this.#db
      .insertInto('extension_settings')
      .values({ persona, extension_id: extensionId, setting_id: FAULT_ROW, value_json })
      .onConflict((oc) => oc.columns(['persona', 'extension_id', 'setting_id']).doUpdateSet({ value_json }))
      .execute();
  }

  async clear(persona: string, extensionId: string): Promise<void> {
    await this.#db
      .deleteFrom('extension_settings')
      .where('persona', '=', persona)
      .where('extension_id', '=', extensionId)
      .where('setting_id', '=', FAULT_ROW)
      .execute();
  }
}

function parse(json: string): StoredFault | undefined {
  try {
    const value = JSON.parse(json) as StoredFault;
    return typeof value?.version === 'string' && typeof value.code === 'string' && typeof value.message === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
