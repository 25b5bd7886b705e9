import type { TraceEntry } from '@kith/sdk';
import type { PersonaGate } from './persona-gate.js';

/** A trace entry as stored: stamped with time and source. */
export interface StoredTrace extends TraceEntry {
  readonly at: number;
  /** `net`, `presence`, or an extension id. */
  readonly source: string;
}

/**
 * A bounded, newest-first ring buffer of diagnostic entries (connect traces, rendezvous activity),
 * one bucket per persona: an entry belongs to the persona active when it was added, only that
 * persona's entries are listed, and entries made while locked are dropped. Connect traces name
 * friends and their endpoints, so another persona on the same machine must never see them.
 * Memory only: diagnostics never reach disk. One log per topic (`traces`, `rendezvous`).
 */
export class TraceLog {
  readonly #buckets = new Map<string, StoredTrace[]>();
  readonly #capacity: number;
  readonly #persona: () => string | undefined;

  /** `persona`: hex master key of the active persona, undefined while locked. */
  constructor(persona: () => string | undefined, capacity = 500) {
    this.#persona = persona;
    this.#capacity = capacity;
  }

  /**
   * Keep `entry` for the active persona. `madeFor` names the persona the work was done for: when
   * that is no longer the active one (an unpublish or connect attempt ending after a switch), the
   * entry is dropped rather than shown to the persona now active.
   */
  add(source: string, entry: TraceEntry, madeFor?: string): StoredTrace {
    const stored: StoredTrace = { ...entry, source, at: Date.now() };
    const persona = this.#persona();
    if (persona === undefined || (madeFor !== undefined && madeFor !== persona)) return stored;
    let entries = this.#buckets.get(persona);
    if (!entries) this.#buckets.set(persona, (entries = []));
    entries.push(stored);
    if (entries.length > this.#capacity) entries.shift();
    return stored;
  }

  /** The active persona's entries, newest first, at most `limit`; none while locked. */
  list(limit = this.#capacity): StoredTrace[] {
    const persona = this.#persona();
    const entries = persona === undefined ? undefined : this.#buckets.get(persona);
    return entries ? entries.slice(-limit).reverse() : [];
  }

  clear(): void {
    this.#buckets.clear();
  }
}

/** The host's diagnostics: connect traces and rendezvous activity, shown on the Tester page. */
export interface DiagnosticsLogs {
  readonly traces: TraceLog;
  readonly rendezvous: TraceLog;
}

/** Diagnostics logs that follow `gate`: scoped to the active persona and emptied at every lock or switch. */
export function createDiagnosticsLogs(gate: PersonaGate): DiagnosticsLogs {
  const persona = () => gate.active?.info.masterPublicKey;
  const logs = { traces: new TraceLog(persona), rendezvous: new TraceLog(persona) };
  let current = persona();
  gate.onDidChangeActive((active) => {
    if (active?.info.masterPublicKey === current) return;
    current = active?.info.masterPublicKey;
    logs.traces.clear();
    logs.rendezvous.clear();
  });
  return logs;
}
