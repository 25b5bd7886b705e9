/**
 * Removals that wait to reach the friend (propagated deletes). A row lives until the friend's
 * host has persisted the `friend.removed` event (or the bus gives up), then the friend is removed.
 * Rows are found by `ctx.sealing.tag(peer)` and hold the friend's key only sealed, so the file
 * does not show whom the persona is removing.
 */
import type { ExtensionStorage, PeerKey, Sealing } from '@kith/sdk';

type Migrations = Parameters<ExtensionStorage['migrate']>[0];

export const PAIRING_MIGRATIONS: Migrations = {
  '001-pending-removals': {
    async up(db) {
      await db.schema
        .createTable('pending_removals')
        .addColumn('peer', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '002-sealed-removals': {
    async up(db) {
      // Replaces pending_removals (key in clear); RemovalStore.convert() moves each persona's rows.
      await db.schema
        .createTable('removals')
        .addColumn('peer_tag', 'text', (c) => c.primaryKey())
        .addColumn('peer', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('removals_by_event').on('removals').column('event_id').execute();
    },
  },
};

export interface PendingRemoval {
  readonly peer: PeerKey;
  readonly eventId: string;
  readonly requestedAt: number;
}

interface Row {
  peer_tag: string;
  peer: string;
  event_id: string;
  requested_at: number;
}

export class RemovalStore {
  constructor(
    private readonly storage: ExtensionStorage,
    private readonly sealing: Sealing,
  ) {}

  /** Move this persona's rows from the old table (key in clear) to the sealed one; once per activation. */
  async convert(): Promise<number> {
    const old = (await this.storage.db.selectFrom('pending_removals').selectAll().execute()) as
      { peer: string; event_id: string; requested_at: number }[];
    for (const row of old) {
      await this.add({ peer: row.peer, eventId: row.event_id, requestedAt: row.requested_at });
      await this.storage.db.deleteFrom('pending_removals').where('peer', '=', row.peer).execute();
    }
    return old.length;
  }

  async add(removal: PendingRemoval): Promise<void> {
    const values = { event_id: removal.eventId, requested_at: removal.requestedAt };
    await this.storage.db
      .insertInto('removals')
      .values({ peer_tag: this.sealing.tag(removal.peer), peer: this.sealing.sealText(removal.peer), ...values })
      .onConflict((oc: any) => oc.column('peer_tag').doUpdateSet(values))
      .execute();
  }

  async peers(): Promise<Set<PeerKey>> {
    const rows = (await this.storage.db.selectFrom('removals').select('peer').execute()) as { peer: string }[];
    return new Set(rows.map((row) => this.sealing.openText(row.peer)));
  }

  async byEvent(eventId: string): Promise<PendingRemoval | undefined> {
    const row = (await this.storage.db.selectFrom('removals').selectAll().where('event_id', '=', eventId).executeTakeFirst()) as Row | undefined;
    return row ? { peer: this.sealing.openText(row.peer), eventId: row.event_id, requestedAt: row.requested_at } : undefined;
  }

  async delete(peer: PeerKey): Promise<void> {
    await this.storage.db.deleteFrom('removals').where('peer_tag', '=', this.sealing.tag(peer)).execute();
  }
}
