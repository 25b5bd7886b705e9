import type Sqlite from 'better-sqlite3';
import { MAX_REMEMBERED_REFUSALS, type Refusal, type StoredRefusal } from './inbound-streams.js';
import type { PeerTagOf } from './outbound-store.js';

/**
 * Marks kept in memory. A friend picks its stream ids, so it could otherwise grow this cache by
 * one entry per event on a fresh stream for as long as the host runs; a mark read again after
 * eviction costs one indexed SELECT.
 */
export const MAX_CACHED_MARKS = 4096;

/**
 * Inbound streams stored per friend. Past it the least recently written are forgotten, down to
 * {@link STORED_STREAMS_AFTER_PRUNE}. An honest friend uses one long-lived stream per
 * conversation and one per file or call, so a stream this far back is finished; what forgetting
 * one means is in docs/wire/reliability.md (bounds).
 */
export const MAX_STORED_STREAMS_PER_PEER = 16_384;
export const STORED_STREAMS_AFTER_PRUNE = MAX_STORED_STREAMS_PER_PEER - 1024;
/**
 * Refusals stored per friend, all streams together (the newest kept). 64 per stream on each of
 * 16,384 streams was a million rows a friend could make us write by sending events of a kind we
 * refuse; a refusal is repeated for a retransmit, which comes within seconds, so old ones matter
 * little.
 */
export const MAX_STORED_REFUSALS_PER_PEER = 4096;
/** Refusals stored between two checks of that bound. */
const REFUSAL_PRUNE_EVERY = 256;

/**
 * Per inbound stream, the highest durable seq delivered in order (the high-water mark) and the
 * last refusals. Written after the handler's promise resolved and before the ACK goes out
 * (ACK-after-persist), the mark and a refusal in one transaction; the mark is read once per
 * stream and cached. Everything at or below it is a duplicate. Rows hold the peer's tag; at most
 * {@link MAX_STORED_STREAMS_PER_PEER} per friend are kept.
 */
export class InboundMarks {
  readonly #get: Sqlite.Statement;
  readonly #update: Sqlite.Statement;
  readonly #insert: Sqlite.Statement;
  readonly #count: Sqlite.Statement;
  readonly #pruneStreams: (persona: string, tag: string, excess: number) => void;
  readonly #refuse: Sqlite.Statement;
  /** Refusals stored per `${persona}:${peer tag}` since its bound was last checked. */
  readonly #refusalsSincePrune = new Map<string, number>();
  readonly #prune: Sqlite.Statement;
  readonly #refusals: Sqlite.Statement;
  readonly #advanceRefusing: (persona: string, peer: string, stream: string, hwm: number, refusal: Refusal, at: number) => void;
  readonly #cache = new Map<string, number>();
  /** Stored streams per `persona:tag`, counted once per process and kept up to date. */
  readonly #stored = new Map<string, number>();
  readonly #tagOf: PeerTagOf;

  constructor(sqlite: Sqlite.Database, tagOf: PeerTagOf) {
    this.#tagOf = tagOf;
    this.#get = sqlite.prepare('SELECT hwm FROM bus_in_streams WHERE persona = ? AND peer = ? AND stream = ?');
    // An update first, an insert when it changed nothing: tells a new stream from a known one.
    this.#update = sqlite.prepare('UPDATE bus_in_streams SET hwm = ?, used_at = ? WHERE persona = ? AND peer = ? AND stream = ?');
    this.#insert = sqlite.prepare('INSERT INTO bus_in_streams (persona, peer, stream, hwm, used_at) VALUES (?, ?, ?, ?, ?)');
    this.#count = sqlite.prepare('SELECT COUNT(*) AS n FROM bus_in_streams WHERE persona = ? AND peer = ?');
    const oldest = 'SELECT rowid FROM bus_in_streams WHERE persona = ? AND peer = ? ORDER BY used_at, rowid LIMIT ?';
    const dropRefusals = sqlite.prepare(
      `DELETE FROM bus_in_refusals WHERE persona = ? AND peer = ? AND stream IN (SELECT stream FROM bus_in_streams WHERE rowid IN (${oldest}))`,
    );
    const dropStreams = sqlite.prepare(`DELETE FROM bus_in_streams WHERE rowid IN (${oldest})`);
    this.#pruneStreams = sqlite.transaction((persona: string, tag: string, excess: number) => {
      dropRefusals.run(persona, tag, persona, tag, excess);
      dropStreams.run(persona, tag, excess);
    });
    this.#refuse = sqlite.prepare(
      `INSERT OR REPLACE INTO bus_in_refusals (persona, peer, stream, seq, reason, message, refused_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#prune = sqlite.prepare(
      `DELETE FROM bus_in_refusals WHERE persona = ? AND peer = ? AND stream = ? AND seq NOT IN
         (SELECT seq FROM bus_in_refusals WHERE persona = ? AND peer = ? AND stream = ? ORDER BY seq DESC LIMIT ${MAX_REMEMBERED_REFUSALS})`,
    );
    this.#refusals = sqlite.prepare(
      'SELECT seq, reason, message, refused_at AS refusedAt FROM bus_in_refusals WHERE persona = ? AND peer = ? AND stream = ? ORDER BY seq',
    );
    const prunePeerRefusals = sqlite.prepare(
      `DELETE FROM bus_in_refusals WHERE rowid IN (
         SELECT rowid FROM bus_in_refusals WHERE persona = ? AND peer = ? ORDER BY refused_at DESC, rowid DESC LIMIT -1 OFFSET ${MAX_STORED_REFUSALS_PER_PEER})`,
    );
    this.#advanceRefusing = sqlite.transaction((persona: string, peer: string, stream: string, hwm: number, refusal: Refusal, at: number) => {
      this.#write(persona, peer, stream, hwm, at);
      this.#refuse.run(persona, peer, stream, hwm, refusal.reason, refusal.message, at);
      this.#prune.run(persona, peer, stream, persona, peer, stream);
      const key = `${persona}:${peer}`;
      const since = (this.#refusalsSincePrune.get(key) ?? REFUSAL_PRUNE_EVERY - 1) + 1;
      if (since < REFUSAL_PRUNE_EVERY) return void this.#refusalsSincePrune.set(key, since);
      prunePeerRefusals.run(persona, peer);
      this.#refusalsSincePrune.set(key, 0);
    });
  }

  get(persona: string, peer: string, stream: string): number {
    const key = `${persona}:${peer}:${stream}`;
    let hwm = this.#cache.get(key);
    if (hwm === undefined) {
      hwm = (this.#get.get(persona, this.#tagOf(persona, peer), stream) as { hwm: number } | undefined)?.hwm ?? 0;
      this.#remember(key, hwm);
    }
    return hwm;
  }

  /** Event `hwm` was consumed: store the new mark and, when it was refused, the refusal with it. */
  set(persona: string, peer: string, stream: string, hwm: number, refusal?: Refusal, now = Date.now()): void {
    const tag = this.#tagOf(persona, peer);
    if (refusal) this.#advanceRefusing(persona, tag, stream, hwm, refusal, now);
    else this.#write(persona, tag, stream, hwm, now);
    this.#remember(`${persona}:${peer}:${stream}`, hwm);
  }

  /** Number of streams stored for `peer` (tests). */
  storedCount(persona: string, peer: string): number {
    return (this.#count.get(persona, this.#tagOf(persona, peer)) as { n: number }).n;
  }

  /** Store the mark; a new stream past the friend's bound forgets the least recently written. */
  #write(persona: string, tag: string, stream: string, hwm: number, now: number): void {
    if (this.#update.run(hwm, now, persona, tag, stream).changes > 0) return;
    this.#insert.run(persona, tag, stream, hwm, now);
    const key = `${persona}:${tag}`;
    const stored = (this.#stored.get(key) ?? (this.#count.get(persona, tag) as { n: number }).n - 1) + 1;
    if (stored <= MAX_STORED_STREAMS_PER_PEER) {
      this.#stored.set(key, stored);
      return;
    }
    this.#pruneStreams(persona, tag, stored - STORED_STREAMS_AFTER_PRUNE);
    this.#stored.set(key, STORED_STREAMS_AFTER_PRUNE);
  }

  /** Number of marks held in memory (tests). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  /** Cache `hwm` as the newest entry, dropping the least recently stored one past the bound. */
  #remember(key: string, hwm: number): void {
    this.#cache.delete(key);
    this.#cache.set(key, hwm);
    if (this.#cache.size > MAX_CACHED_MARKS) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  /** The stream's remembered refusals, oldest first. */
  refusals(persona: string, peer: string, stream: string): StoredRefusal[] {
    return this.#refusals.all(persona, this.#tagOf(persona, peer), stream) as StoredRefusal[];
  }

  /** Forget cached marks and counts (persona switch). */
  clearCache(): void {
    this.#cache.clear();
    this.#stored.clear();
  }
}
