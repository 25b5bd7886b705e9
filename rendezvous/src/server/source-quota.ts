import { KithError } from '@kith/sdk';
import { SourceCounts } from './source-counts.js';

interface Holding {
  readonly source: string;
  readonly room: string;
  readonly expiresAt: number;
}

/** Expired holdings one publish forgets on its way (the timer does the rest). */
const SWEEP_PER_CLAIM = 16;

/**
 * Per-source caps: how many live entries one source (source-key.ts) holds in one room and in all,
 * so that one address can neither fill a room nor the store. Kept in this process's memory, never
 * in the room store, so the store holds nothing that ties entries to an address or to each other.
 *
 * A publish claims its slot before the store is written (concurrent publishes cannot overshoot) and
 * releases it when the store refuses. Holdings are in publish order and share one lifetime, so
 * expiry is swept from the head in bounded steps. With several processes on one Redis each counts
 * what passed through it: an entry removed through another process is counted here until it expires.
 */
export class SourceQuota {
  /** `room tag` → its holder, oldest publish first. */
  readonly #holdings = new Map<string, Holding>();
  readonly #counts = new SourceCounts();

  constructor(private readonly caps: { readonly perRoom: number; readonly total: number }) {}

  /**
   * Claim the slot of entry `tag` in `room` for `source`, or throw `KITH_ERR_SOURCE_QUOTA`.
   * Returns the undo for a publish the store then refused.
   */
  claim(source: string, room: string, tag: string, now: number, expiresAt: number): () => void {
    this.sweep(now, SWEEP_PER_CLAIM);
    const key = `${room} ${tag}`;
    const previous = this.#holdings.get(key);
    const replacing = previous !== undefined && previous.source === source && previous.expiresAt > now;
    if (!replacing) {
      if (this.#counts.inRoom(source, room) >= this.caps.perRoom) {
        throw new KithError('KITH_ERR_SOURCE_QUOTA', `This address already holds ${this.caps.perRoom} entries in the room`);
      }
      if (this.#counts.total(source) >= this.caps.total) {
        throw new KithError('KITH_ERR_SOURCE_QUOTA', `This address already holds ${this.caps.total} entries`);
      }
    }
    if (previous) this.#forget(key, previous);
    const holding = { source, room, expiresAt };
    this.#holdings.set(key, holding);
    this.#counts.add(source, room);
    return () => {
      if (this.#holdings.get(key) !== holding) return;
      this.#forget(key, holding);
      if (previous && previous.expiresAt > now) {
        this.#holdings.set(key, previous);
        this.#counts.add(previous.source, previous.room);
      }
    };
  }

  /** The entry is gone (unpublished): its slot is free again. */
  release(room: string, tag: string): void {
    const key = `${room} ${tag}`;
    const holding = this.#holdings.get(key);
    if (holding) this.#forget(key, holding);
  }

  /** Forget up to `max` expired holdings, oldest first. */
  sweep(now: number, max: number): void {
    let dropped = 0;
    for (const [key, holding] of this.#holdings) {
      if (dropped >= max || holding.expiresAt > now) break;
      this.#forget(key, holding);
      dropped++;
    }
  }

  /** Sources holding something right now (tests, diagnostics). */
  get sources(): number {
    return this.#counts.size;
  }

  #forget(key: string, holding: Holding): void {
    this.#holdings.delete(key);
    this.#counts.remove(holding.source, holding.room);
  }
}
