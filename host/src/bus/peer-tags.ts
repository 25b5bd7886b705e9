import type Sqlite from 'better-sqlite3';
import { KithError } from '@kith/sdk';
import { peerTag } from '../storage/peer-tag.js';

/** Every bus table with a `peer` column. */
const TABLES = ['bus_outbound', 'bus_out_streams', 'bus_in_streams', 'bus_in_refusals'] as const;

/**
 * What the bus tables hold instead of a friend's master key: its peer tag for the active persona
 * (storage/peer-tag.ts, cached per peer). {@link adopt} converts the rows a persona wrote before
 * migration 007, once, when it becomes active.
 */
export class BusPeerTags {
  readonly #sqlite: Sqlite.Database;
  readonly #active: () => { readonly persona: string; readonly atRestKey: Uint8Array } | undefined;
  readonly #cache = new Map<string, string>();

  constructor(sqlite: Sqlite.Database, active: () => { readonly persona: string; readonly atRestKey: Uint8Array } | undefined) {
    this.#sqlite = sqlite;
    this.#active = active;
  }

  /** The tag of `peer` for `persona`: cached, or computed while `persona` is active (else KITH_ERR_LOCKED). */
  tag(persona: string, peer: string): string {
    const key = `${persona}:${peer}`;
    let tag = this.#cache.get(key);
    if (tag === undefined) {
      const active = this.#active();
      if (!active || active.persona !== persona) throw new KithError('KITH_ERR_LOCKED');
      tag = peerTag(active.atRestKey, peer);
      if (this.#cache.size >= 4096) this.#cache.clear();
      this.#cache.set(key, tag);
    }
    return tag;
  }

  /**
   * The active persona changed: convert its rows in clear if it has any left. Cached tags stay
   * (they are hashes, not keys), so work of the previous persona still finishing (a handler's
   * high-water mark, a closing session) still finds its rows.
   */
  adopt(): void {
    const active = this.#active();
    if (!active) return;
    const { persona } = active;
    if (this.#sqlite.prepare('SELECT 1 FROM bus_tagged_personas WHERE persona = ?').get(persona)) return;
    let converted = 0;
    this.#sqlite.transaction(() => {
      for (const table of TABLES) {
        const update = this.#sqlite.prepare(`UPDATE ${table} SET peer = ? WHERE persona = ? AND peer = ?`);
        for (const { peer } of this.#sqlite.prepare(`SELECT DISTINCT peer FROM ${table} WHERE persona = ?`).all(persona) as Array<{ peer: string }>) {
          converted += update.run(this.tag(persona, peer), persona, peer).changes;
        }
      }
      this.#sqlite.prepare('INSERT INTO bus_tagged_personas (persona) VALUES (?)').run(persona);
    })();
    // The WAL may still hold pages with the keys in clear.
    if (converted > 0) this.#sqlite.pragma('wal_checkpoint(TRUNCATE)');
  }
}
