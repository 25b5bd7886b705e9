import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

/**
 * Friends sealed at rest (host/src/identity/friend-store.ts): `peer` becomes `peer_tag`, a keyed
 * hash (HMAC-SHA256 with a key derived from the persona's at-rest key) of the friend's master key,
 * and `sealed` holds the friend's key, label, peer id and X25519 key, sealed with the at-rest key.
 * Rows written before this migration (`sealed` null) are converted when their persona is next
 * unlocked (the keys are not available here); their clear columns are then emptied.
 */
export const friendsSealed: Migration = {
  async up(db: Kysely<any>) {
    await sql`ALTER TABLE friends RENAME COLUMN peer TO peer_tag`.execute(db);
    await db.schema.alterTable('friends').addColumn('sealed', 'text').execute();
  },
};
