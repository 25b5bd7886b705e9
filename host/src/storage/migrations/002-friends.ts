import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

/** Saved friends, per persona (the persona's master public key hex); one row per (persona, peer). */
export const friends: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('friends')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('last_peer_id', 'text')
      .addColumn('x25519_public_key', 'text', (c) => c.notNull())
      .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('auto_connect', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('added_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addUniqueConstraint('friends_persona_peer', ['persona', 'peer'])
      .execute();
  },
};
