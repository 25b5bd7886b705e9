import type { TraceEntry } from '@kith/sdk';

/** A trace entry as stored: stamped with time and source. */
export interface StoredTrace extends TraceEntry {
  readonly at: number;
  /** `net`, `presence`, or an extension id. */
  readonly source: string;
}

/**
 * A bounded, newest-first ring buffer of diagnostic entries (connect traces, rendezvous activity).
 * Memory only: diagnostics never reach disk. One log per topic (`traces`, `rendezvous`).
 */
export class TraceLog {
  readonly #entries: StoredTrace[] = [];
  readonly #capacity: number;

  constructor(capacity = 500) {
    this.#capacity = capacity;
  }

  add(source: string, entry: TraceEntry): StoredTrace {
    const stored: StoredTrace = { ...entry, source, at: Date.now() };
    this.#entries.push(stored);
    if (this.#entries.length > this.#capacity) this.#entries.shift();
    return stored;
  }

  /** Newest first, at most `limit`. */
  list(limit = this.#capacity): StoredTrace[] {
    return this.#entries.slice(-limit).reverse();
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

/** The host's diagnostics: connect traces and rendezvous activity, shown on the Tester page. */
export interface DiagnosticsLogs {
  readonly traces: TraceLog;
  readonly rendezvous: TraceLog;
}
