import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

/**
 * The bus's delivery report outbox (docs/wire/reliability.md): a report (delivered, failed,
 * refused) is written in the same transaction that deletes its queue row, and removed only once
 * the sending extension's handler has run. A crash in between replays it at the next activation,
 * so "the peer has it" is never lost. The report itself is sealed with the persona's at-rest key.
 */
export const busReports: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bus_reports')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('extension_id', 'text', (c) => c.notNull())
      .addColumn('sealed', 'blob', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('bus_reports_owner').on('bus_reports').columns(['persona', 'extension_id', 'id']).execute();
  },
};
