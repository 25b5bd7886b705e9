import type { Kysely, Migration } from 'kysely';

/**
 * The permissions the user granted with an extension's switch (a JSON array, enabled-state.ts):
 * a third-party extension asking for more than was granted stays off until asked again. Rows from
 * before hold none.
 */
export const extensionGrants: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('extension_state').addColumn('granted', 'text').execute();
  },
};
