import type { Kysely } from 'kysely';
import type { Migration } from 'kysely';

/**
 * The bus's memory of refused durable events (docs/wire/reliability.md): the receiver repeats a
 * refusal when the sender retransmits the event or in its ACKs, so a lost NACK never turns a
 * refusal into "delivered". Kept beside the high-water mark, in the same transaction, so a
 * restart between refusing and the sender's retransmit forgets nothing. At most 64 per stream.
 */
export const busRefusals: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bus_in_refusals')
      .addColumn('persona', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('stream', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('refused_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('bus_in_refusals_pk', ['persona', 'peer', 'stream', 'seq'])
      .execute();
  },
};
