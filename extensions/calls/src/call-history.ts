/**
 * One record per finished call (missed, declined, or how long it lasted), for the conversation's
 * history. Sealed at rest under the extension's key and found by a keyed tag of the friend's key,
 * so the table names no friend and holds no call detail in clear.
 */
import type { ExtensionContext, PeerKey } from '@kith/sdk';
import type { Migration } from 'kysely';

export interface CallRecord {
  readonly stream_id: string;
  readonly peer: PeerKey;
  readonly direction: 'outgoing' | 'incoming';
  /** Why it ended: `hangup`, `rejected`, `busy`, `missed`, `refused`, `session-lost`, `locked`. */
  readonly reason: string;
  /** Connected time; 0 for a call never answered. */
  readonly duration_ms: number;
  readonly started_at: number;
  readonly ended_at: number;
}

export const CALL_HISTORY_MIGRATIONS: Record<string, Migration> = {
  '001_call_history': {
    async up(db) {
      await db.schema.createTable('call_history')
        .addColumn('stream_id', 'text', (c) => c.primaryKey())
        .addColumn('friend_tag', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/** Most records one request returns. */
export const MAX_HISTORY = 100;
/** A sealed row is bounded before it is opened and parsed. */
const MAX_SEALED = 2048;
const REASONS = new Set(['hangup', 'rejected', 'busy', 'missed', 'refused', 'session-lost', 'locked']);

function parseRecord(text: string, peer: PeerKey): CallRecord | undefined {
  const r = JSON.parse(text) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  if (typeof r.stream_id !== 'string' || !/^[0-9a-f]{32}$/.test(r.stream_id)) return undefined;
  if (r.direction !== 'outgoing' && r.direction !== 'incoming') return undefined;
  if (typeof r.reason !== 'string' || !REASONS.has(r.reason)) return undefined;
  const duration = num(r.duration_ms);
  const started = num(r.started_at);
  const ended = num(r.ended_at);
  if (duration === undefined || started === undefined || ended === undefined) return undefined;
  return { stream_id: r.stream_id, peer, direction: r.direction, reason: r.reason, duration_ms: duration, started_at: started, ended_at: ended };
}

export class CallHistory {
  constructor(private readonly ctx: Pick<ExtensionContext, 'storage' | 'sealing'>) {}

  async add(record: CallRecord): Promise<void> {
    const { peer: _peer, ...rest } = record;
    await this.ctx.storage.db.insertInto('call_history').values({
      stream_id: record.stream_id,
      friend_tag: this.ctx.sealing.tag(record.peer),
      sealed: this.ctx.sealing.sealText(JSON.stringify(rest)),
      ended_at: record.ended_at,
    }).onConflict((oc) => oc.column('stream_id').doNothing()).execute();
  }

  /** The newest `limit` calls with `peer`, newest first. */
  async list(peer: PeerKey, limit: number): Promise<CallRecord[]> {
    const rows = await this.ctx.storage.db.selectFrom('call_history').select(['sealed'])
      .where('friend_tag', '=', this.ctx.sealing.tag(peer))
      .orderBy('ended_at', 'desc').limit(Math.min(Math.max(1, limit), MAX_HISTORY)).execute();
    const out: CallRecord[] = [];
    for (const row of rows) {
      if (typeof row.sealed !== 'string' || row.sealed.length > MAX_SEALED) continue;
      try {
        const record = parseRecord(this.ctx.sealing.openText(row.sealed), peer);
        if (record) out.push(record);
      } catch {
        // A row that does not open under this persona's key is skipped, not served.
      }
    }
    return out;
  }
}
