import type Sqlite from 'better-sqlite3';
import { extensionTablePrefix } from '../storage/host-storage-channel.js';
import { openBytes, openText, SEAL_BYTES_OVERHEAD, SEAL_BYTES_VERSION, SEAL_TEXT_PREFIX, sealBytes, sealText } from '../storage/sealing.js';

/** The `extension_settings` row that says an extension's rows of a persona are sealed per extension. */
const DONE_ROW = '@kith:sealing-per-extension';
const PAGE = 500;

export interface ResealScope {
  readonly extensionId: string;
  /** Slug (bookkeeping row) and master public key (the `persona` column of extension tables). */
  readonly personaSlug: string;
  readonly personaKey: string;
}

/**
 * One-time migration to per-extension sealing keys. Before them, every extension of a persona
 * sealed with the persona's at-rest key. The first time an extension uses `ctx.sealing` for a
 * persona, every value in its tables' rows of that persona that opens under the at-rest key (a
 * `kith:seal:v1:` string, or bytes of the sealed shape: the AEAD tag makes a false match
 * impossible in practice) is re-sealed under the extension's own key, in one transaction, and the
 * persona is marked done. After that the at-rest key opens nothing for the extension.
 *
 * Only whole column values are found: a sealed value nested inside a JSON text is not (Kith's
 * built-ins store whole values). Returns how many values were re-sealed.
 */
export function resealLegacyValues(sqlite: Sqlite.Database, scope: ResealScope, atRestKey: Uint8Array, extensionKey: Uint8Array): number {
  if (isDone(sqlite, scope)) return 0;
  const prefix = extensionTablePrefix(scope.extensionId);
  const tables = (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?`).all(prefix.length, prefix) as { name: string }[])
    .map((t) => t.name);
  let resealed = 0;
  sqlite.transaction(() => {
    for (const table of tables) resealed += resealTable(sqlite, table, scope.personaKey, atRestKey, extensionKey);
    sqlite
      .prepare(`INSERT OR REPLACE INTO extension_settings (persona, extension_id, setting_id, value_json) VALUES (?, ?, ?, ?)`)
      .run(scope.personaSlug, scope.extensionId, DONE_ROW, JSON.stringify({ at: Date.now(), resealed }));
  })();
  return resealed;
}

function isDone(sqlite: Sqlite.Database, scope: ResealScope): boolean {
  return (
    sqlite
      .prepare(`SELECT 1 FROM extension_settings WHERE persona = ? AND extension_id = ? AND setting_id = ?`)
      .get(scope.personaSlug, scope.extensionId, DONE_ROW) !== undefined
  );
}

function resealTable(sqlite: Sqlite.Database, table: string, persona: string, atRestKey: Uint8Array, extensionKey: Uint8Array): number {
  const quoted = `"${table.replaceAll('"', '""')}"`;
  const columns = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
  if (!columns.includes('persona')) return 0;
  const page = sqlite.prepare(`SELECT rowid AS "@rowid", * FROM ${quoted} WHERE persona = ? AND rowid > ? ORDER BY rowid LIMIT ${PAGE}`);
  let resealed = 0;
  let after = -Infinity;
  for (;;) {
    const rows = page.all(persona, after) as Record<string, unknown>[];
    if (rows.length === 0) return resealed;
    for (const row of rows) {
      after = row['@rowid'] as number;
      for (const column of columns) {
        if (column === 'persona') continue;
        const fresh = reseal(row[column], atRestKey, extensionKey);
        if (fresh === undefined) continue;
        sqlite.prepare(`UPDATE ${quoted} SET "${column.replaceAll('"', '""')}" = ? WHERE rowid = ?`).run(fresh, after);
        resealed++;
      }
    }
  }
}

/** The value sealed under the extension's key, or undefined when it was not sealed under the at-rest key. */
function reseal(value: unknown, atRestKey: Uint8Array, extensionKey: Uint8Array): string | Buffer | undefined {
  try {
    if (typeof value === 'string' && value.startsWith(SEAL_TEXT_PREFIX)) return sealText(extensionKey, openText(atRestKey, value));
    if (value instanceof Uint8Array && value.length >= SEAL_BYTES_OVERHEAD && value[0] === SEAL_BYTES_VERSION) {
      return Buffer.from(sealBytes(extensionKey, openBytes(atRestKey, value)));
    }
  } catch {
    // Already sealed per extension, or not sealed at all: leave it.
  }
  return undefined;
}
