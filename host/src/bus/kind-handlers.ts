import { Disposable, KithError, type KindHandler, type KindOptions } from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import { assertOwnsKind } from './kind-ownership.js';
import type { StreamOwnership } from './stream-ownership.js';

/** Stream lifecycle kinds several extensions share (files, calls): routed by purpose and stream owner. */
export const SHARED_STREAM_KINDS: ReadonlySet<string> = new Set(['stream.open', 'stream.open-ack', 'stream.close']);

/** One handler an extension registered. */
export interface Registration {
  readonly scope: ExtensionScope;
  readonly kind: string;
  readonly purpose: string | undefined;
  readonly handler: KindHandler;
}

/**
 * The handlers of the active persona's extensions, by kind. Most kinds have one owner. The shared
 * stream kinds are routed: `stream.open` by its header's `purpose`, `stream.open-ack` and
 * `stream.close` to the extension the stream belongs to (the one that opened or took it).
 */
export class KindHandlers {
  readonly #registrations = new Map<string, Registration>();

  constructor(readonly streams: StreamOwnership) {}

  /** Register; throws KITH_ERR_KIND_NOT_OWNED, KITH_ERR_BAD_REQUEST or KITH_ERR_DUPLICATE. */
  add(scope: ExtensionScope, kind: string, handler: KindHandler, options: KindOptions = {}): Disposable {
    assertOwnsKind(scope.extension, scope.manifest, kind);
    if (typeof handler !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', 'A kind handler must be a function');
    const { purpose } = options;
    if (purpose !== undefined && (!SHARED_STREAM_KINDS.has(kind) || typeof purpose !== 'string' || purpose.length === 0 || purpose.length > 32)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', 'A purpose applies only to stream.open/open-ack/close and is 1-32 characters');
    }
    const key = purpose === undefined ? kind : `${kind}#${purpose}`;
    const existing = this.#registrations.get(key);
    if (existing) throw new KithError('KITH_ERR_DUPLICATE', `Kind ${key} already has a handler (extension ${existing.scope.extension.id})`);
    const registration: Registration = { scope, kind, purpose, handler };
    this.#registrations.set(key, registration);
    return new Disposable(() => {
      if (this.#registrations.get(key) === registration) this.#registrations.delete(key);
    });
  }

  /** The handler for an inbound event of `kind` on `peer`'s `stream`, if any. */
  find(peer: string, streamHex: string, kind: string, purpose: string | undefined): Registration | undefined {
    if (!SHARED_STREAM_KINDS.has(kind)) return this.#registrations.get(kind);
    if (kind === 'stream.open') {
      return (purpose !== undefined ? this.#registrations.get(`stream.open#${purpose}`) : undefined) ?? this.#registrations.get('stream.open');
    }
    const candidates = [...this.#registrations.values()].filter((r) => r.kind === kind);
    const owner = this.streams.ownerOf(peer, streamHex);
    if (owner !== undefined) return candidates.find((r) => r.scope.extension.id === owner);
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** Kind names that have a handler now (sorted, for capabilities). */
  kinds(): string[] {
    return [...new Set([...this.#registrations.values()].map((r) => r.kind))].sort();
  }
}
