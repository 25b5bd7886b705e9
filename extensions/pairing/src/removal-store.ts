/**
 * Removals that wait to reach the friend (propagated deletes). A row lives until the friend's
 * host has persisted the `friend.removed` event (or the bus gives up), then the friend is removed.
 */
import type { ExtensionStorage, PeerKey } from '@kith/sdk';

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
};

export interface PendingRemoval {
  readonly peer: PeerKey;
  readonly eventId: string;
  readonly requestedAt: number;
}

export class RemovalStore {
  constructor(private readonly storage: ExtensionStorage) {}

  async add(removal: PendingRemoval): Promise<void> {
    await this.storage.db
      .insertInto('pending_removals')
      .values({ peer: removal.peer, event_id: removal.eventId, requested_at: removal.requestedAt })
      .onConflict((oc: any) => oc.column('peer').doUpdateSet({ event_id: removal.eventId, requested_at: removal.requestedAt }))
      .execute();
  }

  async peers(): Promise<Set<PeerKey>> {
    const rows = await this.storage.db.selectFrom('pending_removals').select('peer').execute();
    return new Set(rows.map((row: { peer: string }) => row.peer));
  }

  async byEvent(eventId: string): Promise<PendingRemoval | undefined> {
    const row = await this.storage.db.selectFrom('pending_removals').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    return row ? { peer: row.peer, eventId: row.event_id, requestedAt: row.requested_at } : undefined;
  }

  async delete(peer: PeerKey): Promise<void> {
    await this.storage.db.deleteFrom('pending_removals').where('peer', '=', peer).execute();
  }
}
