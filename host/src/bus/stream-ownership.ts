import { KithError, type PeerKey, type StreamId } from '@kith/sdk';
import { STREAM_OWNER_BYTES, streamOwnerPrefix } from './stream-ids.js';

/** Random streams remembered with their extension; the least recently used is forgotten first. */
const MAX_BOUND_STREAMS = 16_384;
/** Cached owner prefixes (one per friend and extension). */
const MAX_PREFIXES = 16_384;
const PREFIX_HEX = STREAM_OWNER_BYTES * 2;

/**
 * Which extension a stream with a friend belongs to, so that one extension can neither write into
 * another's stream nor have its handler fed from one: a stream id that `streams.forFriend`
 * derived names its extension in its first 8 bytes, so it belongs to that extension from the
 * first event on (no other can take it first); any other id (`streams.random()`, or one a friend
 * chose) belongs to the first extension that sends or takes an event on it. Kept for the active
 * persona, in memory: after a restart a random stream is taken again by its first user.
 */
export class StreamOwnership {
  /** `${peer}${stream}` → extension id. */
  readonly #bound = new Map<string, string>();
  /** `${peer}:${extension}` → the extension's owner prefix with that friend. */
  readonly #prefixes = new Map<string, string>();
  /** Every extension that has used the bus since the persona became active. */
  readonly #known = new Set<string>();
  #own: PeerKey | undefined;

  /** Start over for `own`'s persona (or none). */
  reset(own: PeerKey | undefined): void {
    this.#own = own;
    this.#bound.clear();
    this.#prefixes.clear();
  }

  /** `extensionId` uses the bus: streams derived for it are its own from now on. */
  know(extensionId: string): void {
    this.#known.add(extensionId);
  }

  /**
   * The extension `stream` with `peer` belongs to, taking it for `extensionId` when nobody has it;
   * an extension other than `extensionId` when the stream is not `extensionId`'s to use.
   */
  claim(peer: PeerKey, stream: StreamId, extensionId: string): string {
    const prefix = stream.slice(0, PREFIX_HEX);
    if (prefix === this.#prefixOf(peer, extensionId)) return extensionId;
    const key = peer + stream;
    const bound = this.#bound.get(key);
    if (bound !== undefined) {
      // Touch: a stream in use stays remembered.
      this.#bound.delete(key);
      this.#bound.set(key, bound);
      return bound;
    }
    const derivedFor = this.#derivedOwner(peer, prefix, extensionId);
    if (derivedFor !== undefined) return derivedFor;
    this.#bound.set(key, extensionId);
    if (this.#bound.size > MAX_BOUND_STREAMS) this.#bound.delete(this.#bound.keys().next().value as string);
    return extensionId;
  }

  /** The extension `stream` with `peer` belongs to now, if any (without taking it). */
  ownerOf(peer: PeerKey, stream: StreamId): string | undefined {
    return this.#bound.get(peer + stream) ?? this.#derivedOwner(peer, stream.slice(0, PREFIX_HEX), undefined);
  }

  /** Throws `KITH_ERR_FORBIDDEN` unless `extensionId` may send on `stream` to `peer`. */
  assertMaySend(peer: PeerKey, stream: StreamId, extensionId: string): void {
    const owner = this.claim(peer, stream, extensionId);
    if (owner !== extensionId) {
      throw new KithError(
        'KITH_ERR_FORBIDDEN',
        `Stream ${stream} belongs to extension ${owner}: an extension sends only on its own streams (streams.random() or streams.forFriend())`,
        { stream, owner },
      );
    }
  }

  #derivedOwner(peer: PeerKey, prefix: string, except: string | undefined): string | undefined {
    for (const id of this.#known) {
      if (id !== except && this.#prefixOf(peer, id) === prefix) return id;
    }
    return undefined;
  }

  #prefixOf(peer: PeerKey, extensionId: string): string | undefined {
    const own = this.#own;
    if (own === undefined) return undefined;
    const key = `${peer}:${extensionId}`;
    let prefix = this.#prefixes.get(key);
    if (prefix === undefined) {
      prefix = streamOwnerPrefix(own, peer, extensionId);
      this.#prefixes.set(key, prefix);
      if (this.#prefixes.size > MAX_PREFIXES) this.#prefixes.delete(this.#prefixes.keys().next().value as string);
    }
    return prefix;
  }
}
