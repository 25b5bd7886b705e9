import type { Server as SocketServer, Socket } from 'socket.io';
import { Disposable } from '@kith/sdk';

/**
 * Real-time messages between the host and its pages over socket.io (`/api/ws`). Host areas emit
 * typed events (`session:open`, `rendezvous:request`, ...); extensions' events are namespaced
 * `<ext-id>:<name>` by the extension manager. Only one persona is active at a time, so every
 * connected (authenticated) page receives every event.
 */
export class UiHub {
  readonly #io: SocketServer;
  readonly #handlers = new Map<string, Set<(payload: unknown, socket: Socket) => void>>();

  constructor(io: SocketServer) {
    this.#io = io;
    io.on('connection', (socket) => {
      socket.onAny((name: unknown, payload: unknown) => {
        if (typeof name !== 'string') return;
        for (const handler of this.#handlers.get(name) ?? []) handler(payload, socket);
      });
    });
  }

  /** Send `name` with `payload` (binary Buffers/Uint8Arrays travel as binary) to every page. */
  emit(name: string, payload: unknown): void {
    this.#io.emit(name, payload);
  }

  /** Receive `name` from any page. */
  on(name: string, handler: (payload: unknown, socket: Socket) => void): Disposable {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
    return new Disposable(() => {
      set!.delete(handler);
      if (set!.size === 0) this.#handlers.delete(name);
    });
  }

  /** Disconnect every page (used on lock so pages re-authenticate their state). */
  disconnectAll(): void {
    this.#io.disconnectSockets(true);
  }
}
