import type Sqlite from 'better-sqlite3';
import { KithError } from '@kith/sdk';
import { MAX_STORED_STREAMS_PER_PEER } from './inbound-marks.js';
import { UnmarkedInflight } from './unmarked-inflight.js';
import { isDiskFull } from '../storage/disk-full.js';

/** Scheduling class as stored: lower runs first. */
export const PRIORITY_RANK = { control: 0, interactive: 1, bulk: 2 } as const;

/** One row of `bus_outbound` as the bus uses it (header+payload still sealed). */
export interface OutboundRow {
  readonly id: number;
  readonly peer: string;
  readonly stream: string;
  readonly seq: number;
  readonly kind: string;
  readonly flags: number;
  readonly priority: number;
  readonly extensionId: string;
  readonly eventId: string;
  readonly sealed: Uint8Array;
  /** The sender's correlation tag, sealed (null without one). */
  readonly tag: Uint8Array | null;
}

export type NewOutboundRow = Omit<OutboundRow, 'id' | 'seq' | 'tag'> & { readonly tag?: Uint8Array | null };

/** Most events that may wait for one peer (a friend offline for long must not fill the disk). */
export const MAX_QUEUED_PER_PEER = 20_000;

/**
 * Outbound stream counters stored per friend. Past it the least recently used streams with no
 * event waiting are forgotten, down to {@link OUT_STREAMS_AFTER_PRUNE}. Twice the receiver's bound
 * (inbound-marks.ts): a stream the receiver still remembers is never restarted at seq 1 here,
 * which it would take for a duplicate. docs/wire/reliability.md (bounds).
 */
export const MAX_OUT_STREAMS_PER_PEER = 2 * MAX_STORED_STREAMS_PER_PEER;
export const OUT_STREAMS_AFTER_PRUNE = MAX_OUT_STREAMS_PER_PEER - 1024;

/** Maps a friend's key to what the tables store for it (its peer tag, see peer-tags.ts). */
export type PeerTagOf = (persona: string, peer: string) => string;

/**
 * The outbound queue and the per-stream sequence counters (migration 003-bus). Synchronous
 * better-sqlite3 statements: each call is one short transaction, so a seq is assigned and its row
 * stored atomically, and a crash leaves either both or neither. Callers name peers by key; the
 * rows hold `tagOf(persona, peer)`.
 */
export class OutboundStore {
  readonly #nextSeq: Sqlite.Statement;
  readonly #countStreams: Sqlite.Statement;
  readonly #pruneStreams: Sqlite.Statement;
  /** Stream counters per `${persona}:${peer tag}`, counted once and then kept in step. */
  readonly #streamCounts = new Map<string, number>();
  readonly #insert: Sqlite.Statement;
  readonly #pending: Sqlite.Statement;
  /** Pending rows but those taken unmarked (a JSON list of ids). */
  readonly #pendingExcept: Sqlite.Statement;
  /** Pending and marked rows but those taken unmarked: a peer whose ended session's marks could not be reverted. */
  readonly #anyExcept: Sqlite.Statement;
  /** Which of a JSON list of row ids are still queued. */
  readonly #stillQueued: Sqlite.Statement;
  readonly #markInflight: Sqlite.Statement;
  readonly #revert: Sqlite.Statement;
  readonly #revertAll: Sqlite.Statement;
  readonly #revertPersona: Sqlite.Statement;
  readonly #deleteUpTo: Sqlite.Statement;
  readonly #deleteOne: Sqlite.Statement;
  readonly #count: Sqlite.Statement;
  readonly #deletePeer: Sqlite.Statement;
  readonly #enqueue: (persona: string, row: NewOutboundRow, now: number) => { id: number; seq: number };
  readonly #take: (persona: string, peer: string, limit: number, owed: boolean) => OutboundRow[];
  /** Rows taken while a full disk refused their marks, and reverts a full disk refused. */
  readonly #unmarked = new UnmarkedInflight();
  /** Rows per `${persona}:${peer}`, counted once and then kept in step. */
  readonly #counts = new Map<string, number>();
  readonly #tagOf: PeerTagOf;
  readonly #lastId: Sqlite.Statement;
  /** The highest row id known to be on disk. */
  #durableUpTo = 0;

  constructor(sqlite: Sqlite.Database, tagOf: PeerTagOf) {
    this.#tagOf = tagOf;
    this.#nextSeq = sqlite.prepare(
      `INSERT INTO bus_out_streams (persona, peer, stream, next_seq, used_at) VALUES (?, ?, ?, 2, ?)
       ON CONFLICT (persona, peer, stream) DO UPDATE SET next_seq = next_seq + 1, used_at = excluded.used_at
       RETURNING next_seq - 1 AS seq`,
    );
    this.#countStreams = sqlite.prepare('SELECT COUNT(*) AS n FROM bus_out_streams WHERE persona = ? AND peer = ?').pluck();
    // Only streams with nothing waiting: a forgotten counter must never renumber a queued event.
    this.#pruneStreams = sqlite.prepare(
      `DELETE FROM bus_out_streams WHERE rowid IN (
         SELECT s.rowid FROM bus_out_streams s
         WHERE s.persona = ? AND s.peer = ?
           AND NOT EXISTS (SELECT 1 FROM bus_outbound o WHERE o.persona = s.persona AND o.peer = s.peer AND o.stream = s.stream)
         ORDER BY s.used_at, s.rowid LIMIT ?)`,
    );
    this.#insert = sqlite.prepare(
      `INSERT INTO bus_outbound (persona, peer, stream, seq, kind, flags, priority, extension_id, event_id, sealed, tag, state, enqueued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    const toSend = (where: string) =>
      sqlite.prepare(
        `SELECT id, peer, stream, seq, kind, flags, priority, extension_id AS extensionId, event_id AS eventId, sealed, tag
         FROM bus_outbound WHERE persona = ? AND peer = ? AND id <= ? ${where} ORDER BY priority, id LIMIT ?`,
      );
    const unmarked = 'id NOT IN (SELECT value FROM json_each(?))';
    this.#pending = toSend(`AND state = 'pending'`);
    this.#pendingExcept = toSend(`AND state = 'pending' AND ${unmarked}`);
    this.#anyExcept = toSend(`AND ${unmarked}`);
    this.#stillQueued = sqlite.prepare('SELECT id FROM bus_outbound WHERE id IN (SELECT value FROM json_each(?))').pluck();
    this.#lastId = sqlite.prepare('SELECT COALESCE(MAX(id), 0) FROM bus_outbound').pluck();
    this.#markInflight = sqlite.prepare(`UPDATE bus_outbound SET state = 'inflight' WHERE id = ?`);
    this.#revert = sqlite.prepare(`UPDATE bus_outbound SET state = 'pending' WHERE persona = ? AND peer = ? AND state = 'inflight'`);
    this.#revertAll = sqlite.prepare(`UPDATE bus_outbound SET state = 'pending' WHERE state = 'inflight'`);
    this.#revertPersona = sqlite.prepare(`UPDATE bus_outbound SET state = 'pending' WHERE persona = ? AND state = 'inflight'`);
    this.#deleteUpTo = sqlite.prepare(
      `DELETE FROM bus_outbound WHERE persona = ? AND peer = ? AND stream = ? AND seq <= ?
       RETURNING id, seq, kind, extension_id AS extensionId, event_id AS eventId, tag`,
    );
    this.#deleteOne = sqlite.prepare(
      `DELETE FROM bus_outbound WHERE persona = ? AND peer = ? AND stream = ? AND seq = ?
       RETURNING id, seq, kind, extension_id AS extensionId, event_id AS eventId, tag`,
    );
    this.#count = sqlite.prepare(`SELECT COUNT(*) AS n FROM bus_outbound WHERE persona = ? AND peer = ?`);
    this.#deletePeer = sqlite.prepare(
      `DELETE FROM bus_outbound WHERE persona = ? AND peer = ?
       RETURNING id, stream, seq, kind, extension_id AS extensionId, event_id AS eventId, tag`,
    );
    this.#enqueue = sqlite.transaction((persona: string, row: NewOutboundRow, now: number) => {
      const peer = this.#tagOf(persona, row.peer);
      const { seq } = this.#nextSeq.get(persona, peer, row.stream, now) as { seq: number };
      const info = this.#insert.run(
        persona, peer, row.stream, seq, row.kind, row.flags, row.priority, row.extensionId, row.eventId, row.sealed, row.tag ?? null, now,
      );
      if (seq === 1) this.#countNewStream(persona, peer);
      return { id: Number(info.lastInsertRowid), seq };
    });
    this.#take = sqlite.transaction((persona: string, peer: string, limit: number, owed: boolean) => {
      if (owed) this.#revert.run(persona, this.#tagOf(persona, peer));
      const rows = this.#read(persona, peer, limit, false);
      for (const row of rows) this.#markInflight.run(row.id);
      return rows;
    });
    // A crash leaves rows marked in flight; no session survives a restart.
    try {
      this.#revertAll.run();
    } catch (error) {
      // A full disk at start: the marks count as pending until each peer's next take reverts them.
      if (!isDiskFull(error)) throw error;
      this.#unmarked.oweAll();
    }
  }

  /** Up to `limit` rows to send, skipping those taken unmarked (`marked`: rows an ended session left marked count too). */
  #read(persona: string, peer: string, limit: number, marked: boolean): OutboundRow[] {
    const key = `${persona}:${peer}`;
    const tag = this.#tagOf(persona, peer);
    this.#unmarked.prune(key, (ids) => this.#stillQueued.all(JSON.stringify(ids)) as number[]);
    const skip = this.#unmarked.ids(key);
    const found = (
      skip.length === 0 && !marked
        ? this.#pending.all(persona, tag, this.#durableUpTo, limit)
        : (marked ? this.#anyExcept : this.#pendingExcept).all(persona, tag, this.#durableUpTo, JSON.stringify(skip), limit)
    ) as OutboundRow[];
    return found.map((r) => ({ ...r, peer, sealed: new Uint8Array(r.sealed), tag: r.tag && new Uint8Array(r.tag) }));
  }

  /** A stream got its first counter (inside the enqueue transaction): past the bound, forget the least recently used. */
  #countNewStream(persona: string, peer: string): void {
    const key = `${persona}:${peer}`;
    const cached = this.#streamCounts.get(key);
    let stored = cached === undefined ? (this.#countStreams.get(persona, peer) as number) : cached + 1;
    // Counted again before forgetting anything: the cache only says when to look.
    if (stored > MAX_OUT_STREAMS_PER_PEER) stored = this.#countStreams.get(persona, peer) as number;
    if (stored > MAX_OUT_STREAMS_PER_PEER) stored -= this.#pruneStreams.run(persona, peer, stored - OUT_STREAMS_AFTER_PRUNE).changes;
    this.#streamCounts.set(key, stored);
  }

  /** Stream counters stored for `peer` (tests). */
  storedStreams(persona: string, peer: string): number {
    return this.#countStreams.get(persona, this.#tagOf(persona, peer)) as number;
  }

  /** Store a new reliable event; returns its row id and its per-stream seq. */
  enqueue(persona: string, row: NewOutboundRow, now = Date.now()): { id: number; seq: number } {
    const count = this.count(persona, row.peer);
    if (count >= MAX_QUEUED_PER_PEER) {
      throw new KithError('KITH_ERR_QUEUE_FULL', `${count} events already wait for this peer (limit ${MAX_QUEUED_PER_PEER})`);
    }
    let stored: { id: number; seq: number };
    try {
      stored = this.#enqueue(persona, row, now);
    } catch (error) {
      this.recount(); // a stream counted inside the transaction that rolled back
      throw error;
    }
    this.#counts.set(`${persona}:${row.peer}`, count + 1);
    return stored;
  }

  /**
   * Rows up to `id` are on disk (the engine learned it from a WAL sync that began after they were
   * stored); only such rows are taken for sending. True when that let more rows go.
   */
  markDurable(id: number): boolean {
    if (id <= this.#durableUpTo) return false;
    this.#durableUpTo = id;
    return true;
  }

  /** The newest row's id (0 for none): what a sync beginning now makes durable. */
  lastId(): number {
    return this.#lastId.get() as number;
  }

  /**
   * Up to `limit` pending rows for `peer` (control first, then interactive, bulk; FIFO within)
   * among those known to be on disk ({@link markDurable}), marked in flight.
   */
  takePending(persona: string, peer: string, limit: number): OutboundRow[] {
    if (limit <= 0) return [];
    const key = `${persona}:${peer}`;
    const owed = this.#unmarked.owes(persona, key);
    let rows: OutboundRow[];
    try {
      // "In flight" need not survive a power cut: a restart sends every such row again.
      rows = this.#take(persona, peer, limit, owed);
    } catch (error) {
      // A full disk refuses the marks: what is queued still goes out, remembered here instead.
      if (!isDiskFull(error)) throw error;
      rows = this.#read(persona, peer, limit, owed);
      this.#unmarked.take(key, rows.map((r) => r.id));
      return rows;
    }
    if (owed) this.#unmarked.settle(key);
    return rows;
  }

  /** Session closed: every in-flight row of `peer` goes back to pending. */
  revertInflight(persona: string, peer: string): void {
    let tag: string;
    try {
      tag = this.#tagOf(persona, peer);
    } catch {
      // The persona is no longer active (lock or switch closes every session): all of its rows.
      this.#unmarked.personaEnded(persona);
      this.#revertOr(() => this.#revertPersona.run(persona), () => this.#unmarked.owePersona(persona));
      return;
    }
    const key = `${persona}:${peer}`;
    this.#unmarked.sessionEnded(key);
    this.#revertOr(() => this.#revert.run(persona, tag), () => this.#unmarked.owePeer(key));
  }

  /** Run a revert; when a full disk refuses it, `owe` it (the next take pays it). */
  #revertOr(revert: () => void, owe: () => void): void {
    try {
      revert();
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      owe();
    }
  }

  /** Rows acknowledged cumulatively: delete and return them. */
  deleteUpTo(persona: string, peer: string, stream: string, upTo: number): DeletedRow[] {
    const rows = this.#deleteUpTo.all(persona, this.#tagOf(persona, peer), stream, upTo) as DeletedRow[];
    this.#forget(persona, peer, rows.length);
    return rows;
  }

  /** A refused row: delete and return it (undefined when already gone). */
  deleteOne(persona: string, peer: string, stream: string, seq: number): DeletedRow | undefined {
    const row = this.#deleteOne.get(persona, this.#tagOf(persona, peer), stream, seq) as DeletedRow | undefined;
    if (row) this.#forget(persona, peer, 1);
    return row;
  }

  /** Every row waiting for `peer` (friend removed): delete and return them. */
  deletePeer(persona: string, peer: string): Array<DeletedRow & { readonly stream: string }> {
    const rows = this.#deletePeer.all(persona, this.#tagOf(persona, peer)) as Array<DeletedRow & { stream: string }>;
    this.#counts.set(`${persona}:${peer}`, 0);
    return rows;
  }

  /**
   * Count again from the table: a transaction that deleted or stored rows rolled back after this
   * store had counted them (a full disk refused its commit).
   */
  recount(): void {
    this.#counts.clear();
    this.#streamCounts.clear();
  }

  #forget(persona: string, peer: string, deleted: number): void {
    const key = `${persona}:${peer}`;
    const count = this.#counts.get(key);
    if (count !== undefined) this.#counts.set(key, Math.max(0, count - deleted));
  }

  /** How many rows wait for `peer` (pending or in flight). */
  count(persona: string, peer: string): number {
    const key = `${persona}:${peer}`;
    let count = this.#counts.get(key);
    if (count === undefined) {
      count = (this.#count.get(persona, this.#tagOf(persona, peer)) as { n: number }).n;
      this.#counts.set(key, count);
    }
    return count;
  }
}

export interface DeletedRow {
  readonly id: number;
  readonly seq: number;
  readonly kind: string;
  readonly extensionId: string;
  readonly eventId: string;
  /** Sealed correlation tag, or null. */
  readonly tag: Uint8Array | null;
}
