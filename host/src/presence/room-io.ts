import type { TraceLog } from '../core/trace-log.js';
import { RendezvousClient, type FetchedEntry } from '../../../rendezvous/src/peer/client.js';
import type { RoomTracker, TrackerFilter } from './room-tracker.js';

/**
 * Tracked, traced traffic with rendezvous servers: every publish is recorded in the room tracker
 * before it is sent (so a crash mid-request still unpublishes it later), every call lands in the
 * rendezvous activity log (host and room prefix only: never the word or a blob).
 */
export class RoomIo {
  readonly #clients = new Map<string, RendezvousClient>();

  constructor(private readonly o: {
    readonly tracker: RoomTracker;
    /** This unlock session: what it tracks is tagged with it, and it unpublishes only its own. */
    readonly session: number;
    /** Where rendezvous activity is traced (bound to the engine's persona). */
    readonly log: Pick<TraceLog, 'add'>;
    readonly localNow: () => number;
    readonly clientTimeoutMs?: number;
  }) {}

  /** The client for `url` (normalised; one per server). */
  client(url: string): RendezvousClient {
    const probe = new RendezvousClient(url, { timeoutMs: this.o.clientTimeoutMs });
    const known = this.#clients.get(probe.url);
    if (known) return known;
    this.#clients.set(probe.url, probe);
    return probe;
  }

  async publish(url: string, room: string, blob: string, owner: string, what: string, source = 'presence'): Promise<void> {
    const client = this.client(url);
    const started = this.o.localNow();
    this.o.tracker.track({ url: client.url, room, owner, source, session: this.o.session, publishedAt: started });
    try {
      await client.publish(room, blob, owner);
      this.trace('publish', 'ok', client.url, room, started, what);
    } catch (error) {
      this.trace('publish', 'failed', client.url, room, started, `${what}: ${(error as Error).message}`);
      throw error;
    }
  }

  async fetch(url: string, room: string): Promise<FetchedEntry[]> {
    const client = this.client(url);
    const started = this.o.localNow();
    try {
      const entries = await client.fetch(room);
      this.trace('fetch', 'ok', client.url, room, started, `${entries.length} entries`);
      return entries;
    } catch (error) {
      this.trace('fetch', 'failed', client.url, room, started, (error as Error).message);
      throw error;
    }
  }

  /** Unpublish one tracked owner; a failure leaves it tracked, so leave/lock/stop retry it. */
  async unpublishOne(url: string, room: string, owner: string): Promise<void> {
    if (!this.o.tracker.list({ url, room, session: this.o.session }).some((e) => e.owner === owner)) return;
    const started = this.o.localNow();
    try {
      await this.client(url).unpublish(room, owner);
      this.o.tracker.untrack(url, room, owner);
      this.trace('unpublish', 'ok', url, room, started);
    } catch (error) {
      this.trace('unpublish', 'failed', url, room, started, (error as Error).message);
    }
  }

  /** Unpublish this session's tracked owners matching `filter` (all of them when empty); returns how many were tried. */
  async unpublishWhere(filter: Omit<TrackerFilter, 'session'>): Promise<number> {
    const owners = this.o.tracker.list({ ...filter, session: this.o.session });
    await Promise.all(owners.map(async (entry) => {
      const started = this.o.localNow();
      try {
        await this.client(entry.url).unpublish(entry.room, entry.owner);
        this.trace('unpublish', 'ok', entry.url, entry.room, started, entry.source);
      } catch (error) {
        this.trace('unpublish', 'failed', entry.url, entry.room, started, (error as Error).message);
      }
      this.o.tracker.untrack(entry.url, entry.room, entry.owner);
    }));
    return owners.length;
  }

  trace(stage: string, outcome: 'ok' | 'failed', url: string, room: string, started: number, detail?: string): void {
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      // keep the raw string
    }
    this.o.log.add('presence', {
      stage, outcome, ms: this.o.localNow() - started,
      detail: `${host} room ${room.slice(0, 8)}…${detail ? ` ${detail}` : ''}`,
    });
  }
}
