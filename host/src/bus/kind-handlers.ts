import { Disposable, KithError, type KindHandler, type KindOptions } from '@kith/sdk';
import type { ExtensionScope } from '../core/area.js';
import { assertOwnsKind } from './kind-ownership.js';

/** Stream lifecycle kinds several extensions share (files, calls): routed by purpose and stream owner. */
export const SHARED_STREAM_KINDS: ReadonlySet<string> = new Set(['stream.open', 'stream.open-ack', 'stream.close']);
const MAX_STREAM_OWNERS = 4096;

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
 * `stream.close` to the extension that opened (or took the open of) that stream.
 */
export class KindHandlers {
  readonly #registrations = new Map<string, Registration>();
  /** `${peer}:${stream}` → extension id, for the shared stream kinds. */
  readonly #streamOwners = new Map<string, string>();

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
    const owner = this.#streamOwners.get(`${peer}:${streamHex}`);
    if (owner !== undefined) return candidates.find((r) => r.scope.extension.id === owner);
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  /** `extensionId` sent or took the open of `peer`'s `stream`: its open-ack and close go there. */
  setStreamOwner(peer: string, streamHex: string, extensionId: string): void {
    const key = `${peer}:${streamHex}`;
    this.#streamOwners.delete(key);
    this.#streamOwners.set(key, extensionId);
    if (this.#streamOwners.size > MAX_STREAM_OWNERS) this.#streamOwners.delete(this.#streamOwners.keys().next().value as string);
  }

  /** Kind names that have a handler now (sorted, for capabilities). */
  kinds(): string[] {
    return [...new Set([...this.#registrations.values()].map((r) => r.kind))].sort();
  }

  /** Forget stream owners (persona switch). */
  clearOwners(): void {
    this.#streamOwners.clear();
  }
}
