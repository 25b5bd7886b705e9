import type { Kysely, Migration } from 'kysely';

/**
 * When each outbound stream's counter was last used, so the bus can forget the least recently
 * used streams of a friend past its bound (outbound-store.ts). A friend picks the streams of the
 * answers it provokes (a busy answer to each of a flood of call offers), so without a bound each
 * one added a row for good. Rows from before start at 0: the first to go.
 */
export const busOutStreamUse: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('bus_out_streams').addColumn('used_at', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('bus_out_streams_use').on('bus_out_streams').columns(['persona', 'peer', 'used_at']).execute();
  },
};
