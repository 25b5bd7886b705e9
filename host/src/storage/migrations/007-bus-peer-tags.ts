import type { Kysely, Migration } from 'kysely';

/**
 * The bus tables keep a keyed hash of the friend's master key in `peer` (storage/peer-tag.ts)
 * instead of the key. Rows written before are converted when their persona is next active (the
 * key is not available here); this table lists the personas already converted.
 */
export const busPeerTags: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('bus_tagged_personas').addColumn('persona', 'text', (c) => c.primaryKey()).execute();
  },
};
