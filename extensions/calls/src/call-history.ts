/**
 * One record per finished call (missed, declined, or how long it lasted), for the conversation's
 * history. Sealed at rest under the extension's key and found by a keyed tag of the friend's key,
 * so the table names no friend and holds no call detail in clear. Bounded: missed calls from one
 * friend in a row collapse into one record with a count, and only the newest MAX_ROWS_PER_FRIEND
 * records per friend and MAX_ROWS per persona are kept.
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
  /** How many calls the record stands for: over 1 for missed calls in a row (collapsed); absent means 1. */
  readonly count?: number;
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
  '002_call_history_by_friend': {
    async up(db) {
      await db.schema.createIndex('call_history_friend_ended').on('call_history').columns(['friend_tag', 'ended_at']).execute();
    },
  },
};

/** Most records one request returns. */
export const MAX_HISTORY = 100;
/** Records kept per friend (no request shows more) and per persona; older ones are deleted. */
export const MAX_ROWS_PER_FRIEND = MAX_HISTORY;
export const MAX_ROWS = 2_000;
/** A missed incoming call this soon after the friend's previous missed one joins its record. */
export const COLLAPSE_MISSED_MS = 30 * 60_000;
const MAX_COUNT = 1_000_000;
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
  const count = r.count === undefined ? 1 : r.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) return undefined;
  return { stream_id: r.stream_id, peer, direction: r.direction, reason: r.reason, duration_ms: duration, started_at: started, ended_at: ended, count };
}

const isMissed = (r: CallRecord) => r.direction === 'incoming' && r.reason === 'missed' && r.duration_ms === 0;

export class CallHistory {
  /** Writes one at a time, so a missed call is collapsed into the record the one before it wrote. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: Pick<ExtensionContext, 'storage' | 'sealing'>) {}

  /**
   * Record a finished call. A missed incoming call within COLLAPSE_MISSED_MS of the friend's
   * newest record, itself a missed incoming call, adds to that record's count instead of a row.
   */
  add(record: CallRecord): Promise<void> {
    const run = this.queue.then(() => this.write(record));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(record: CallRecord): Promise<void> {
    const db = this.ctx.storage.db;
    const tag = this.ctx.sealing.tag(record.peer);
    if (isMissed(record)) {
      const newest = await db.selectFrom('call_history').select(['stream_id', 'sealed']).where('friend_tag', '=', tag)
        .orderBy('ended_at', 'desc').limit(1).executeTakeFirst();
      const previous = newest && this.open(newest.sealed, record.peer);
      if (newest && previous && isMissed(previous) && record.ended_at >= previous.ended_at && record.ended_at - previous.ended_at <= COLLAPSE_MISSED_MS) {
        const merged: CallRecord = { ...previous, ended_at: record.ended_at, count: Math.min(MAX_COUNT, (previous.count ?? 1) + (record.count ?? 1)) };
        await db.updateTable('call_history').set({ sealed: this.seal(merged), ended_at: merged.ended_at }).where('stream_id', '=', newest.stream_id).execute();
        return;
      }
    }
    await db.insertInto('call_history').values({
      stream_id: record.stream_id,
      friend_tag: tag,
      sealed: this.seal(record),
      ended_at: record.ended_at,
    }).onConflict((oc) => oc.column('stream_id').doNothing()).execute();
    await this.prune(tag);
  }

  /** Keeps the newest MAX_ROWS_PER_FRIEND of this friend's records and the newest MAX_ROWS in all. */
  private async prune(tag: string): Promise<void> {
    const db = this.ctx.storage.db;
    const friendEdge = await db.selectFrom('call_history').select(['ended_at']).where('friend_tag', '=', tag)
      .orderBy('ended_at', 'desc').limit(1).offset(MAX_ROWS_PER_FRIEND - 1).executeTakeFirst();
    if (friendEdge) await db.deleteFrom('call_history').where('friend_tag', '=', tag).where('ended_at', '<', Number(friendEdge.ended_at)).execute();
    const edge = await db.selectFrom('call_history').select(['ended_at']).orderBy('ended_at', 'desc').limit(1).offset(MAX_ROWS - 1).executeTakeFirst();
    if (edge) await db.deleteFrom('call_history').where('ended_at', '<', Number(edge.ended_at)).execute();
  }

  private seal(record: CallRecord): string {
    const { peer: _peer, ...rest } = record;
    return this.ctx.sealing.sealText(JSON.stringify(rest));
  }

  private open(sealed: unknown, peer: PeerKey): CallRecord | undefined {
    if (typeof sealed !== 'string' || sealed.length > MAX_SEALED) return undefined;
    try {
      return parseRecord(this.ctx.sealing.openText(sealed), peer);
    } catch {
      // A row that does not open under this persona's key is skipped, not served.
      return undefined;
    }
  }

  /** The newest `limit` calls with `peer`, newest first. */
  async list(peer: PeerKey, limit: number): Promise<CallRecord[]> {
    const rows = await this.ctx.storage.db.selectFrom('call_history').select(['sealed'])
      .where('friend_tag', '=', this.ctx.sealing.tag(peer))
      .orderBy('ended_at', 'desc').limit(Math.min(Math.max(1, limit), MAX_HISTORY)).execute();
    const out: CallRecord[] = [];
    for (const row of rows) {
      const record = this.open(row.sealed, peer);
      if (record) out.push(record);
    }
    return out;
  }
}
