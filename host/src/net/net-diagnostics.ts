import {
  Disposable, EventEmitter, KithError, type Diagnostics, type DiagnosticsSnapshot, type NetCounters, type RendezvousRooms, type SessionStats,
} from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import type { DiagnosticsLogs } from '../core/trace-log.js';
import type { NetRuntime } from './net-runtime.js';
import type { LiveSession } from './live-session.js';
import { SessionStatsReader, type ChannelStatsSource } from './session-stats.js';
import { groupAttempts, MAX_ATTEMPTS_LISTED } from './connect-attempts.js';

/** Change events fire at most this often. */
export const DIAGNOSTICS_CHANGE_MS = 1_000;

/**
 * The read side of `ctx.diagnostics`: the active persona's session stats, the datagram counters
 * and connect attempts, as plain data. One sampler for the whole host runs only while some
 * extension watches `onDidChange`, wakes once a second and fires only when something changed.
 */
export class NetDiagnostics {
  readonly #runtime: NetRuntime;
  readonly #logs: DiagnosticsLogs;
  readonly #stats: SessionStatsReader;
  readonly #changed = new EventEmitter<DiagnosticsSnapshot>();
  readonly #rooms: (persona: string) => RendezvousRooms;
  #timer: NodeJS.Timeout | undefined;
  #fingerprint = '';

  /** `rooms`: the presence area's rooms of a persona (empty unless it is the active one). */
  constructor(runtime: NetRuntime, logs: DiagnosticsLogs, channels: ChannelStatsSource, rooms: (persona: string) => RendezvousRooms) {
    this.#runtime = runtime;
    this.#logs = logs;
    this.#rooms = rooms;
    this.#stats = new SessionStatsReader(channels);
  }

  /**
   * `ctx.diagnostics` for one extension. Its `trace` stores entries unchecked: the extensions
   * area puts its own checked writer in front.
   */
  forScope(scope: ExtensionScope): Diagnostics {
    const persona = scope.persona.info.masterPublicKey;
    return {
      trace: (entry) => void this.#logs.traces.add(scope.extension.id, entry),
      sessions: async () => this.#sessions(persona).map((s) => this.#stats.read(s)),
      session: async (peer) => {
        const session = this.#sessions(persona).find((s) => s.peer === peer);
        return session ? this.#stats.read(session) : undefined;
      },
      counters: async () => this.#counters(),
      connectAttempts: async (limit = 20) => {
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ATTEMPTS_LISTED) {
          throw new KithError('KITH_ERR_BAD_REQUEST', `limit is a whole number from 1 to ${MAX_ATTEMPTS_LISTED}`);
        }
        if (!this.#isActive(persona)) return [];
        return groupAttempts(this.#logs.traces.list(), limit);
      },
      rendezvousActivity: async (limit = 100) => {
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new KithError('KITH_ERR_BAD_REQUEST', 'limit is a whole number from 1 to 500');
        // The log itself keeps only the active persona's entries; this guards a stale context.
        if (!this.#isActive(persona)) return [];
        return this.#logs.rendezvous.list(limit).map((entry) => structuredClone({ ...entry }));
      },
      traces: async (limit = 200) => {
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new KithError('KITH_ERR_BAD_REQUEST', 'limit is a whole number from 1 to 500');
        if (!this.#isActive(persona)) return [];
        return this.#logs.traces.list(limit).map((entry) => structuredClone({ ...entry }));
      },
      rooms: async () => structuredClone(this.#rooms(persona)),
      onDidChange: (listener, thisArgs, disposables) => {
        const subscription = this.#changed.event((snapshot) => {
          if (!this.#isActive(persona)) return;
          try {
            listener.call(thisArgs, structuredClone(snapshot));
          } catch (error) {
            scope.fault(error);
          }
        });
        this.#wake();
        const tracked = scope.track(new Disposable(() => {
          subscription.dispose();
          if (this.#changed.listenerCount === 0) this.#sleep();
        }));
        disposables?.push(tracked);
        return tracked;
      },
    };
  }

  /** Stop sampling (host shutdown). */
  dispose(): void {
    this.#sleep();
    this.#changed.dispose();
  }

  #isActive(persona: string): boolean {
    return this.#runtime.table?.keyring.persona.info.masterPublicKey === persona;
  }

  #sessions(persona: string): readonly LiveSession[] {
    return this.#isActive(persona) ? this.#runtime.sessions() : [];
  }

  #counters(): NetCounters {
    return {
      udpPort: this.#runtime.udpPort,
      mainPort: this.#runtime.counters.snapshot(),
      listeners: this.#runtime.listenerCounters.snapshot(),
    };
  }

  #wake(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), DIAGNOSTICS_CHANGE_MS);
    this.#timer.unref();
  }

  #sleep(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = Date.now();
    const sessions: SessionStats[] = this.#runtime.sessions().map((s) => this.#stats.read(s, now));
    const counters = this.#counters();
    const fingerprint = JSON.stringify([
      sessions.map((s) => [s.peer, s.remote, s.traffic.packetsIn, s.traffic.packetsOut, s.cipher.rekeys, s.rtt.latestMs, s.loss.retransmits]),
      counters.mainPort.accepted, counters.mainPort.rejected, counters.listeners.accepted, counters.listeners.rejected,
    ]);
    if (fingerprint === this.#fingerprint) return;
    this.#fingerprint = fingerprint;
    this.#changed.fire({ at: now, sessions, counters });
  }
}
