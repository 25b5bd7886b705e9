/**
 * The call history stays bounded whatever a friend does (security finding F4): missed incoming
 * calls in a row from one friend collapse into one record with a count (also when they are
 * recorded at once), only the newest MAX_ROWS_PER_FRIEND records per friend and MAX_ROWS per
 * persona are kept. CallHistory runs on a real SQLite database (better-sqlite3, in memory) with
 * its own migrations; the sealing is a stand-in (base64), as what is sealed is not under test here.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { Kysely, SqliteDialect } from 'kysely';
import type { ExtensionContext, PeerKey } from '@kith/sdk';
import { CALL_HISTORY_MIGRATIONS, CallHistory, COLLAPSE_MISSED_MS, MAX_ROWS, MAX_ROWS_PER_FRIEND, type CallRecord } from '../src/call-history.js';

describe('calls: call history bounds', () => {
  let db: Kysely<any>;
  let history: CallHistory;
  const peer = (n: number) => createHash('sha256').update(`friend-${n}`).digest('hex') as PeerKey;
  let next = 0;
  const sid = () => (next++).toString(16).padStart(32, '0');
  const record = (friend: number, at: number, over: Partial<CallRecord> = {}): CallRecord => ({
    stream_id: sid(), peer: peer(friend), direction: 'incoming', reason: 'missed', duration_ms: 0, started_at: at, ended_at: at, ...over,
  });
  const rows = async () => Number((await db.selectFrom('call_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeEach(async () => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    for (const migration of Object.values(CALL_HISTORY_MIGRATIONS)) await migration.up(db);
    const ctx = {
      storage: { db },
      sealing: {
        tag: (value: string) => createHash('sha256').update(`tag:${value}`).digest('hex'),
        sealText: (text: string) => Buffer.from(text).toString('base64'),
        openText: (text: string) => Buffer.from(text, 'base64').toString(),
      },
    } as unknown as Pick<ExtensionContext, 'storage' | 'sealing'>;
    history = new CallHistory(ctx);
  });
  afterEach(async () => db.destroy());

  it('collapses missed calls in a row from one friend into one record with a count, even when written at once', async () => {
    const t = 1_767_225_600_000;
    const first = record(1, t);
    await history.add(first);
    await Promise.all([1, 2, 3, 4].map((i) => history.add(record(1, t + i * 1000))));
    let list = await history.list(peer(1), 100);
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ stream_id: first.stream_id, reason: 'missed', count: 5, started_at: t, ended_at: t + 4000 });

    // Another friend's missed call, an answered call, or a long pause start a new record.
    await history.add(record(2, t + 5000));
    await history.add(record(1, t + 6000, { reason: 'hangup', duration_ms: 60_000 }));
    await history.add(record(1, t + 7000));
    await history.add(record(1, t + 7000 + COLLAPSE_MISSED_MS + 1));
    list = await history.list(peer(1), 100);
    expect(list.map((r) => [r.reason, r.count])).to.deep.equal([['missed', 1], ['missed', 1], ['hangup', 1], ['missed', 5]]);
    expect(await history.list(peer(2), 100)).to.have.length(1);
  });

  it(`keeps the newest ${MAX_ROWS_PER_FRIEND} records of a friend`, async () => {
    const t = 1_767_225_600_000;
    // Declined calls do not collapse: each is a row until the cap.
    for (let i = 0; i < MAX_ROWS_PER_FRIEND + 50; i++) await history.add(record(1, t + i, { reason: 'rejected' }));
    expect(await rows()).to.equal(MAX_ROWS_PER_FRIEND);
    const list = await history.list(peer(1), 100);
    expect(list[0]!.ended_at).to.equal(t + MAX_ROWS_PER_FRIEND + 49);
    expect(list.at(-1)!.ended_at).to.equal(t + 50);
  });

  it(`keeps the newest ${MAX_ROWS} records of the persona`, async () => {
    const t = 1_767_225_600_000;
    const friends = Math.ceil(MAX_ROWS / MAX_ROWS_PER_FRIEND) + 2;
    let at = t;
    for (let f = 0; f < friends; f++) {
      for (let i = 0; i < MAX_ROWS_PER_FRIEND; i++) await history.add(record(f, at++, { direction: 'outgoing', reason: 'rejected' }));
    }
    expect(await rows()).to.equal(MAX_ROWS);
    expect(await history.list(peer(0), 100)).to.have.length(0);
    expect(await history.list(peer(friends - 1), 100)).to.have.length(MAX_ROWS_PER_FRIEND);
  });
});
