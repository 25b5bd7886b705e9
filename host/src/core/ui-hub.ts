import type { Server as SocketServer } from 'socket.io';
import { Disposable, KithError } from '@kith/sdk';
import { nestedDeeperThan } from '../gateway/json-bounds.js';
import { decodeClientFrame, encodeEventFrame, send, type PlainSockets } from '../gateway/plain-websocket.js';

/**
 * The families of the host's own page events (`session:open`, `extensions:changed`, `bus:nack`,
 * `identity:changed`).
 * An extension's events are `<ext-id>:<name>`, so no third-party extension may take one of these
 * as its id (route-rules.ts); host/test/core/host-event-families.test.ts checks every event the host emits is listed.
 */
export const HOST_EVENT_FAMILIES: readonly string[] = Object.freeze(['session', 'extensions', 'bus', 'identity']);

/** The first frame a plain WebSocket client gets. */
export const SNAPSHOT_EVENT = 'snapshot';

/**
 * Real-time messages between the host and its pages: socket.io at `/api/ws/` (Kith's own page)
 * and plain WebSockets at `/api/ws` (JSON text frames, for clients of the reference's API). Host
 * areas emit typed events (`session:open`, ...); extensions' events are namespaced
 * `<ext-id>:<name>` by the extension manager. Only one persona is active at a time, so every
 * connected (authenticated) page receives every event.
 */
export class UiHub {
  readonly #io: SocketServer;
  readonly #plain: PlainSockets | undefined;
  readonly #handlers = new Map<string, Set<(payload: unknown) => void>>();
  readonly #snapshot = new Map<string, () => unknown>();

  /** `isLocked`: whether no persona is unlocked now (a plain client's frame is then answered 423). */
  constructor(io: SocketServer, plain?: PlainSockets, isLocked: () => boolean = () => false) {
    this.#io = io;
    this.#plain = plain;
    io.on('connection', (socket) => {
      socket.onAny((name: unknown, payload: unknown) => {
        // Too deep to hand on (the plain socket answers such a frame with an error).
        if (typeof name === 'string' && !nestedDeeperThan(payload)) this.#deliver(name, payload);
      });
    });
    plain?.onConnection((ws) => {
      send(ws, encodeEventFrame(SNAPSHOT_EVENT, this.snapshot()));
      ws.on('message', (data, isBinary) => {
        const frame = decodeClientFrame(data, isBinary);
        if (frame instanceof KithError) send(ws, encodeEventFrame('error', frame.toJSON().error));
        else if (isLocked()) send(ws, encodeEventFrame('error', new KithError('KITH_ERR_LOCKED', 'Kith is locked: unlock, then send again', { event: frame.event }).toJSON().error));
        else if (!this.#handlers.has(frame.event)) send(ws, encodeEventFrame('error', unheard(frame.event).toJSON().error));
        else this.#deliver(frame.event, frame.data);
      });
    });
  }

  /** Send `name` with `payload` (binary Buffers/Uint8Arrays travel as binary) to every page. */
  emit(name: string, payload: unknown): void {
    this.#io.emit(name, payload);
    if (this.#plain && this.#plain.size > 0) this.#plain.broadcast(encodeEventFrame(name, payload));
  }

  /** Receive `name` from any page. */
  on(name: string, handler: (payload: unknown) => void): Disposable {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return new Disposable(() => {
      set!.delete(handler);
      if (set!.size === 0) this.#handlers.delete(name);
    });
  }

  /** Add `name: provide()` to the snapshot a plain WebSocket client gets first. */
  provideSnapshot(name: string, provide: () => unknown): Disposable {
    this.#snapshot.set(name, provide);
    return new Disposable(() => {
      if (this.#snapshot.get(name) === provide) this.#snapshot.delete(name);
    });
  }

  /** The state a client starts from (each part from the area that owns it). */
  snapshot(): Record<string, unknown> {
    const parts: Record<string, unknown> = {};
    for (const [name, provide] of this.#snapshot) {
      try {
        parts[name] = provide();
      } catch {
        parts[name] = null; // a part that cannot be read now (e.g. locked meanwhile)
      }
    }
    return parts;
  }

  /** Disconnect every page (used on lock so pages re-authenticate their state). */
  disconnectAll(): void {
    this.#io.disconnectSockets(true);
    this.#plain?.closeAll('locked');
  }

  #deliver(name: string, payload: unknown): void {
    for (const handler of this.#handlers.get(name) ?? []) handler(payload);
  }
}

/**
 * A plain client's frame nobody listens to: said, not dropped in silence (a client written for
 * another messenger's command names would otherwise never learn why nothing happens). Pages on
 * socket.io emit freely, so this is for the plain socket only.
 */
function unheard(event: string): KithError {
  return new KithError(
    'KITH_ERR_NOT_FOUND',
    `Nothing here takes the event "${event}": client events are "<extension-id>:<name>" (e.g. "chat:typing") of an extension that is on; docs/api.md lists them`,
    { event },
  );
}
