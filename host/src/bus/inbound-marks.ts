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
 * Per inbound stream, the highest durable seq delivered in order (the high-water mark) and the
 * last refusals. Written after the handler's promise resolved and before the ACK goes out
 * (ACK-after-persist), the mark and a refusal in one transaction; the mark is read once per
 * stream and cached. Everything at or below it is a duplicate. Rows hold the peer's tag.
 */
export class InboundMarks {
  readonly #get: Sqlite.Statement;
  readonly #set: Sqlite.Statement;
  readonly #refuse: Sqlite.Statement;
  readonly #prune: Sqlite.Statement;
  readonly #refusals: Sqlite.Statement;
  readonly #advanceRefusing: (persona: string, peer: string, stream: string, hwm: number, refusal: Refusal, at: number) => void;
  readonly #cache = new Map<string, number>();
  readonly #tagOf: PeerTagOf;

  constructor(sqlite: Sqlite.Database, tagOf: PeerTagOf) {
    this.#tagOf = tagOf;
    this.#get = sqlite.prepare('SELECT hwm FROM bus_in_streams WHERE persona = ? AND peer = ? AND stream = ?');
    this.#set = sqlite.prepare(
      `INSERT INTO bus_in_streams (persona, peer, stream, hwm) VALUES (?, ?, ?, ?)
       ON CONFLICT (persona, peer, stream) DO UPDATE SET hwm = excluded.hwm`,
    );
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
    this.#advanceRefusing = sqlite.transaction((persona: string, peer: string, stream: string, hwm: number, refusal: Refusal, at: number) => {
      this.#set.run(persona, peer, stream, hwm);
      this.#refuse.run(persona, peer, stream, hwm, refusal.reason, refusal.message, at);
      this.#prune.run(persona, peer, stream, persona, peer, stream);
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
    else this.#set.run(persona, tag, stream, hwm);
    this.#remember(`${persona}:${peer}:${stream}`, hwm);
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

  /** Forget cached marks (persona switch). */
  clearCache(): void {
    this.#cache.clear();
  }
}
