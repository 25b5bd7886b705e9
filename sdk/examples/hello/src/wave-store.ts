import type { ExtensionStorage } from '@kith/sdk';

/** One wave a friend sent. */
export interface Wave {
  readonly id: number;
  readonly peer: string;
  readonly text: string;
  readonly at: number;
}

/** The extension's own table. The host keeps it apart from other extensions and personas. */
const MIGRATIONS = {
  '001-waves': {
    async up(db: ExtensionStorage['db']) {
      await db.schema
        .createTable('waves')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('peer', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

export interface WaveStore {
  add(peer: string, text: string): Promise<void>;
  recent(limit: number): Promise<Wave[]>;
  count(): Promise<number>;
}

/** Run the migrations (once per extension: every persona's rows share its tables), then hand out the queries. */
export async function openWaveStore(storage: ExtensionStorage): Promise<WaveStore> {
  await storage.migrate(MIGRATIONS);
  const db = storage.db;
  return {
    async add(peer, text) {
      await db.insertInto('waves').values({ peer, text, at: Date.now() }).execute();
    },
    async recent(limit) {
      return (await db.selectFrom('waves').select(['id', 'peer', 'text', 'at']).orderBy('id', 'desc').limit(limit).execute()) as Wave[];
    },
    async count() {
      const row = await db.selectFrom('waves').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
