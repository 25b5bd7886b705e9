import type Sqlite from 'better-sqlite3';
import { Disposable, type DeliveryReport, type Event, type NackReport } from '@kith/sdk';
import { openBytes, sealBytes } from '../storage/sealing.js';
import { ReportOutbox } from './report-outbox.js';
import type { HostWrites } from '../storage/host-writes.js';
import type { BusLog } from './channel-host.js';

/** What became of one event an extension sent: the report its `onDid*` listeners receive. */
export type Outcome =
  | { readonly extensionId: string; readonly outcome: 'delivered'; readonly report: DeliveryReport }
  | { readonly extensionId: string; readonly outcome: 'failed'; readonly report: DeliveryReport & { readonly reason: string } }
  | { readonly extensionId: string; readonly outcome: 'nacked'; readonly report: NackReport };

type OutcomeName = Outcome['outcome'];
type ReportOf<N extends OutcomeName> = Extract<Outcome, { outcome: N }>['report'];

/** The `onDidDeliver`/`onDidFail`/`onDidNack` events of one extension. */
export interface ExtensionReports {
  readonly delivered: Event<DeliveryReport>;
  readonly failed: Event<DeliveryReport & { readonly reason: string }>;
  readonly nacked: Event<NackReport>;
}

/**
 * Delivery reports of durable events, as durable as the ACK they answer (at-least-once).
 *
 * {@link settle} deletes queue rows and stores their reports in one transaction; a stored report
 * is removed only after every listener of its extension returned (and any promise it returned
 * resolved). A kill -9 in between leaves the report stored, and it is replayed when the first
 * listener of its kind subscribes again (the extension's next activation). Reports nobody listens to wait (bounded,
 * see ReportOutbox). Volatile events' reports ({@link live}) die with the session, like the events.
 */
export class DeliveryReports {
  readonly #outbox: ReportOutbox;
  readonly #writes: HostWrites;
  readonly #store: (persona: string, change: () => readonly Outcome[]) => Array<{ id: number; outcome: Outcome }>;
  readonly #persona: () => string | undefined;
  readonly #atRestKey: () => Uint8Array;
  readonly #log: BusLog;
  readonly #onNack: ((extensionId: string, report: NackReport) => void) | undefined;
  readonly #listeners = new Map<string, { [N in OutcomeName]: Listeners<ReportOf<N>> }>();
  /** Stored reports being handled now (so a replay does not hand them out twice at once). */
  readonly #inflight = new Set<number>();
  readonly #replaying = new Set<string>();
  /** Handled reports waiting for their batched delete. */
  #handled = new Set<number>();
  #flushing = false;

  constructor(options: {
    readonly sqlite: Sqlite.Database;
    /** The rules for the host's own writes (storage/host-writes.ts). */
    readonly writes: HostWrites;
    /** Hex master public key of the active persona, undefined while locked. */
    readonly persona: () => string | undefined;
    readonly atRestKey: () => Uint8Array;
    readonly log: BusLog;
    /** Also told of every refusal as it happens (the UI's `bus:nack`). */
    readonly onNack?: (extensionId: string, report: NackReport) => void;
  }) {
    this.#outbox = new ReportOutbox(options.sqlite);
    this.#writes = options.writes;
    this.#persona = options.persona;
    this.#atRestKey = options.atRestKey;
    this.#log = options.log;
    this.#onNack = options.onNack;
    this.#store = options.sqlite.transaction((persona: string, change: () => readonly Outcome[]) => {
      const key = this.#atRestKey();
      return change().map((outcome) => ({
        id: this.#outbox.add(persona, outcome.extensionId, sealBytes(key, encode(outcome))),
        outcome,
      }));
    });
  }

  /** The report events of one extension (shared by its contexts). */
  eventsFor(extensionId: string): ExtensionReports {
    const listeners = this.#listenersOf(extensionId);
    return { delivered: listeners.delivered.event, failed: listeners.failed.event, nacked: listeners.nacked.event };
  }

  /**
   * Run `change` (which deletes acknowledged, refused or failed queue rows and says what became of
   * them) and store its reports in the same transaction; then hand them to their listeners. A
   * power cut that undoes an ACKed row's deletion brings the row back: it is sent again, the
   * receiver's durable mark answers it as a duplicate, and the same report is stored again.
   */
  settle(change: () => readonly Outcome[]): void {
    const persona = this.#persona();
    if (!persona) return;
    const stored = this.#store(persona, change);
    for (const { id, outcome } of stored) {
      if (outcome.outcome === 'nacked') this.#onNack?.(outcome.extensionId, outcome.report);
      this.#handOut(id, outcome);
    }
  }

  /** A report nothing stored (a volatile event's): hand it out once. */
  live(outcome: Outcome): void {
    if (outcome.outcome === 'nacked') this.#onNack?.(outcome.extensionId, outcome.report);
    void this.#listenersOf(outcome.extensionId)[outcome.outcome].deliver(outcome.report as never);
  }

  #listenersOf(extensionId: string) {
    let listeners = this.#listeners.get(extensionId);
    if (!listeners) {
      const replay = () => this.#scheduleReplay(extensionId);
      listeners = { delivered: new Listeners(replay, this.#log), failed: new Listeners(replay, this.#log), nacked: new Listeners(replay, this.#log) };
      this.#listeners.set(extensionId, listeners);
    }
    return listeners;
  }

  /** Give a stored report to its listeners; forget it once they all succeeded. Kept when nobody listens. */
  #handOut(id: number, outcome: Outcome): void {
    const listeners = this.#listenersOf(outcome.extensionId)[outcome.outcome];
    if (listeners.count === 0 || this.#inflight.has(id) || this.#handled.has(id)) return;
    this.#inflight.add(id);
    void listeners.deliver(outcome.report as never).then((ok) => {
      this.#inflight.delete(id);
      if (ok) this.#forget(id);
    });
  }

  /** Handled reports are deleted in batches (one transaction per turn of the event loop). */
  #forget(id: number): void {
    this.#handled.add(id);
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const ids = [...this.#handled];
      this.#handled.clear();
      // The database is closing (host stop): the reports stay and are replayed, at least once.
      const kept = (error: unknown) => this.#log.debug({ err: error }, 'bus: handled delivery reports not removed yet');
      this.#writes.soon(() => this.#outbox.remove(ids), kept);
    });
  }

  /** A first listener subscribed: after the current turn (the extension finishes wiring up), replay what waits for it. */
  #scheduleReplay(extensionId: string): void {
    if (this.#replaying.has(extensionId)) return;
    this.#replaying.add(extensionId);
    setImmediate(() => {
      this.#replaying.delete(extensionId);
      try {
        this.#replay(extensionId);
      } catch (error) {
        this.#log.error({ err: error, extension: extensionId }, 'bus: stored delivery reports could not be replayed');
      }
    });
  }

  #replay(extensionId: string): void {
    const persona = this.#persona();
    if (!persona) return;
    const key = this.#atRestKey();
    const unreadable: number[] = [];
    for (let after = 0, page = this.#outbox.pending(persona, extensionId); page.length > 0; page = this.#outbox.pending(persona, extensionId, after)) {
      for (const row of page) {
        after = row.id;
        let outcome: Outcome;
        try {
          outcome = decode(openBytes(key, row.sealed), extensionId);
        } catch {
          unreadable.push(row.id);
          continue;
        }
        this.#handOut(row.id, outcome);
      }
    }
    if (unreadable.length > 0) {
      this.#log.error({ extension: extensionId, count: unreadable.length }, 'bus: unreadable stored delivery reports dropped');
      this.#outbox.remove(unreadable);
    }
  }
}

/** The listeners of one outcome; unlike a plain emitter it waits for what they return. */
class Listeners<T> {
  readonly #listeners = new Set<(value: T) => unknown>();
  readonly #onSubscribe: () => void;
  readonly #log: BusLog;

  constructor(onSubscribe: () => void, log: BusLog) {
    this.#onSubscribe = onSubscribe;
    this.#log = log;
  }

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    const first = this.#listeners.size === 0;
    this.#listeners.add(bound);
    const subscription = new Disposable(() => this.#listeners.delete(bound));
    disposables?.push(subscription);
    // The first listener (an activation) gets what waited; later ones do not re-read the table.
    if (first) this.#onSubscribe();
    return subscription;
  };

  get count(): number {
    return this.#listeners.size;
  }

  /** Call every listener; true when none threw and every promise returned resolved. */
  async deliver(value: T): Promise<boolean> {
    let ok = true;
    const pending: PromiseLike<unknown>[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        const result = listener(value);
        if (result && typeof (result as PromiseLike<unknown>).then === 'function') pending.push(result as PromiseLike<unknown>);
      } catch (error) {
        ok = false;
        this.#log.error({ err: error }, 'bus: a delivery report listener threw');
      }
    }
    if (pending.length === 0) return ok;
    for (const result of await Promise.allSettled(pending)) {
      if (result.status === 'rejected') {
        ok = false;
        this.#log.error({ err: result.reason }, 'bus: a delivery report listener failed');
      }
    }
    return ok;
  }
}

function encode(outcome: Outcome): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ o: outcome.outcome, r: outcome.report }));
}

function decode(bytes: Uint8Array, extensionId: string): Outcome {
  const { o, r } = JSON.parse(new TextDecoder().decode(bytes)) as { o: unknown; r: unknown };
  if ((o !== 'delivered' && o !== 'failed' && o !== 'nacked') || typeof r !== 'object' || r === null) throw new Error('not a report');
  return { extensionId, outcome: o, report: r } as Outcome;
}
