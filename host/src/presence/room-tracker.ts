/** One (server, room, owner) this persona published under. */
export interface TrackedOwner {
  readonly url: string;
  readonly room: string;
  readonly owner: string;
  /** `presence` or `ext:<id>` of the extension that published. */
  readonly source: string;
  /** The unlock session (one presence engine) that published it: a lock unpublishes only its own. */
  readonly session: number;
  /** Unix ms of the last publish. */
  readonly publishedAt: number;
}

/** Which tracked owners to list; every given field must match. */
export interface TrackerFilter {
  readonly url?: string;
  readonly room?: string;
  readonly source?: string;
  readonly session?: number;
}

/**
 * Remembers every room and owner secret used, so leave, lock, extension shutdown and host stop can
 * unpublish them all: nothing Kith published outlives the reason it was published.
 */
export class RoomTracker {
  readonly #owners = new Map<string, TrackedOwner>();

  track(entry: TrackedOwner): void {
    this.#owners.set(key(entry.url, entry.room, entry.owner), entry);
  }

  untrack(url: string, room: string, owner: string): void {
    this.#owners.delete(key(url, room, owner));
  }

  /** Everything tracked, optionally only one room or one source. */
  list(filter: TrackerFilter = {}): TrackedOwner[] {
    return [...this.#owners.values()].filter(
      (e) => (filter.url === undefined || e.url === filter.url) && (filter.room === undefined || e.room === filter.room) &&
        (filter.source === undefined || e.source === filter.source) && (filter.session === undefined || e.session === filter.session),
    );
  }

  /** Rooms with at least one owner matching `filter`: url → rooms (Tester page). */
  rooms(filter: TrackerFilter = {}): Array<{ url: string; room: string; owners: number; sources: string[] }> {
    const rooms = new Map<string, { url: string; room: string; owners: number; sources: Set<string> }>();
    for (const e of this.list(filter)) {
      const k = `${e.url} ${e.room}`;
      const r = rooms.get(k) ?? { url: e.url, room: e.room, owners: 0, sources: new Set<string>() };
      r.owners++;
      r.sources.add(e.source);
      rooms.set(k, r);
    }
    return [...rooms.values()].map((r) => ({ ...r, sources: [...r.sources] }));
  }

  get size(): number {
    return this.#owners.size;
  }
}

function key(url: string, room: string, owner: string): string {
  return `${url} ${room} ${owner}`;
}
