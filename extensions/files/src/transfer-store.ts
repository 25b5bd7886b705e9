/**
 * One row per transfer, its whole record sealed with the persona's at-rest key: the SQLite file
 * shows how many transfers there are and when, never a name, a friend, a type or a hash. The
 * bytes themselves live in `ctx.blobs` (sealed too); a receiver's progress is its runs' durable
 * blob sizes, so the record changes only when a run starts or the state moves.
 */
import type { ExtensionStorage, Sealing } from '@kith/sdk';

type Migrations = Parameters<ExtensionStorage['migrate']>[0];

export const FILES_MIGRATIONS: Migrations = {
  '001-transfers': {
    async up(db) {
      await db.schema
        .createTable('transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export type Direction = 'out' | 'in' | 'self';
/**
 * `uploading` (sender, bytes still coming from the page), `offered` (sender: offer queued or
 * sent, nothing asked yet), `active` (blocks moving), `held` (the receiver stopped taking blocks:
 * disk full), `complete`, `cancelled`, `failed` (the root did not match).
 */
export type TransferState = 'uploading' | 'offered' | 'active' | 'held' | 'complete' | 'cancelled' | 'failed';

/** A contiguous run of received blocks kept in one append-only blob. */
export interface Run {
  readonly start: number;
  readonly blob: string;
}

export interface TransferRecord {
  readonly id: string;
  readonly direction: Direction;
  /** The friend's key (null for files to yourself). */
  readonly peer: string | null;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly bs: number;
  /** Hex root; empty while uploading. */
  root: string;
  readonly createdAt: number;
  state: TransferState;
  /** The user paused it (sender side). */
  paused: boolean;
  /** Receiver side: held until fewer files arrive at once (admission.ts); absent in older records. */
  waiting?: boolean;
  /** Why it is held, failed or cancelled, in words the UI shows. */
  error: string | null;
  /** The sender's sealed copy (out, self). */
  vault: string | null;
  /** The hash list once verified against the root (in), or computed (out). */
  hashesBlob: string | null;
  /** The receiver's runs (in). */
  runs: Run[];
  /** Block payload bytes sent (out) or received (in), across sessions and restarts (saved every few seconds). */
  payloadBytes: number;
  /**
   * Sender side: the progress last saved (what the friend said it had at its last resume, then
   * what went since), shown after a restart until the friend's next resume; absent in older records.
   */
  shownDone?: number;
  completedAt: number | null;
}

export class TransferStore {
  constructor(
    private readonly storage: ExtensionStorage,
    private readonly sealing: Sealing,
  ) {}

  async save(record: TransferRecord): Promise<void> {
    const sealed = this.sealing.sealText(JSON.stringify(record));
    await this.storage.db
      .insertInto('transfers')
      .values({ id: record.id, created_at: record.createdAt, sealed })
      .onConflict((oc: any) => oc.column('id').doUpdateSet({ sealed }))
      .execute();
  }

  async all(): Promise<TransferRecord[]> {
    const rows = await this.storage.db.selectFrom('transfers').select(['id', 'sealed']).orderBy('created_at', 'desc').execute();
    return rows.map((row: { sealed: string }) => JSON.parse(this.sealing.openText(row.sealed)) as TransferRecord);
  }

  async remove(id: string): Promise<void> {
    await this.storage.db.deleteFrom('transfers').where('id', '=', id).execute();
  }
}
