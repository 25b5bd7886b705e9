import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

/**
 * The event-stream bus (host/src/bus, docs/wire/reliability.md): the outbound queue
 * (store-and-forward, header+payload sealed at rest), restart-safe per-stream sequence counters,
 * and the inbound high-water marks that make delivery exactly-once across restarts.
 * Every row is scoped by `persona` (hex of the persona's master public key).
 */
export const bus: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bus_outbound')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('flags', 'integer', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('extension_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('sealed', 'blob', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('enqueued_at', 'integer', (c) => c.notNull())
      .addUniqueConstraint('bus_outbound_seq', ['persona', 'peer', 'stream', 'seq'])
      .execute();
    await db.schema
      .createIndex('bus_outbound_drain')
      .on('bus_outbound')
      .columns(['persona', 'peer', 'state', 'priority', 'id'])
      .execute();
    await db.schema
      .createTable('bus_out_streams')
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('next_seq', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('bus_out_streams_pk', ['persona', 'peer', 'stream'])
      .execute();
    await db.schema
      .createTable('bus_in_streams')
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('hwm', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('bus_in_streams_pk', ['persona', 'peer', 'stream'])
      .execute();
  },
};
