import type { Kysely, Migration } from 'kysely';

/**
 * When each inbound stream's mark was last written, so the bus can forget the least recently used
 * streams of a friend past its bound (bus/inbound-marks.ts). A friend picks its stream ids, so
 * without a bound it could add a row per event for as long as it likes. Rows from before start at
 * 0: the first to go.
 */
export const busStreamUse: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('bus_in_streams').addColumn('used_at', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('bus_in_streams_use').on('bus_in_streams').columns(['persona', 'peer', 'used_at']).execute();
  },
};
