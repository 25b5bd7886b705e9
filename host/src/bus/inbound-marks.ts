import type Sqlite from 'better-sqlite3';

/**
 * Per inbound stream, the highest durable seq delivered in order (the high-water mark). Written
 * after the handler's promise resolved and before the ACK goes out (ACK-after-persist); read once
 * per stream and cached. Everything at or below it is a duplicate.
 */
export class InboundMarks {
  readonly #get: Sqlite.Statement;
  readonly #set: Sqlite.Statement;
  readonly #cache = new Map<string, number>();

  constructor(sqlite: Sqlite.Database) {
    this.#get = sqlite.prepare('SELECT hwm FROM bus_in_streams WHERE persona = ? AND peer = ? AND stream = ?');
    this.#set = sqlite.prepare(
      `INSERT INTO bus_in_streams (persona, peer, stream, hwm) VALUES (?, ?, ?, ?)
       ON CONFLICT (persona, peer, stream) DO UPDATE SET hwm = excluded.hwm`,
    );
  }

  get(persona: string, peer: string, stream: string): number {
    const key = `${persona}:${peer}:${stream}`;
    let hwm = this.#cache.get(key);
    if (hwm === undefined) {
      hwm = (this.#get.get(persona, peer, stream) as { hwm: number } | undefined)?.hwm ?? 0;
      this.#cache.set(key, hwm);
    }
    return hwm;
  }

  set(persona: string, peer: string, stream: string, hwm: number): void {
    this.#set.run(persona, peer, stream, hwm);
    this.#cache.set(`${persona}:${peer}:${stream}`, hwm);
  }

  /** Forget cached marks (persona switch). */
  clearCache(): void {
    this.#cache.clear();
  }
}
