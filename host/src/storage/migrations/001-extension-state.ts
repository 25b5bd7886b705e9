import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

export const extensionState: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('extension_state')
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('extension_id', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('extension_state_pk', ['persona', 'extension_id'])
      .execute();
    await db.schema
      .createTable('extension_settings')
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('extension_id', 'text', (c) => c.notNull())
      .addColumn('setting_id', 'text', (c) => c.notNull())
      .addColumn('value_json', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('extension_settings_pk', ['persona', 'extension_id', 'setting_id'])
      .execute();
  },
};
