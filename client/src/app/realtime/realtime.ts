import { Injectable, inject, signal } from '@angular/core';
import { io, type Socket } from 'socket.io-client';
import { PageChannelClient, type PageChannel } from '@kith/sdk';
import { ApiClient } from '../api/api-client';
import type { HostEventName, HostEvents } from './host-events';

const RELOAD_KEY = 'kith.reloadedForSecretAt';

/**
 * The page's one socket.io connection (`/api/ws`, the secret header at the handshake). Reconnects on its own after
 * network trouble and after the host drops every page on lock. A host restart changes the launch
 * secret: the handshake is then refused, and the page reloads once to receive the new secret.
 */
@Injectable({ providedIn: 'root' })
export class Realtime {
  readonly #api = inject(ApiClient);
  readonly #socket: Socket;
  readonly #channels: PageChannelClient;
  /** True while connected. */
  readonly connected = signal(false);
  /** Increments on every (re)connect, so state holders can refetch what they may have missed. */
  readonly connections = signal(0);

  constructor() {
    this.#socket = io({
      path: '/api/ws',
      // The host checks the secret header at the engine.io handshake (no session without it). A
      // browser WebSocket cannot carry headers, so the handshake is a polling request that then
      // upgrades to WebSocket under its session id.
      extraHeaders: { 'x-kith-secret': this.#api.secret },
      transports: ['polling', 'websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.#socket.on('connect', () => {
      this.connected.set(true);
      this.connections.update((n) => n + 1);
    });
    this.#socket.on('disconnect', (reason) => {
      this.connected.set(false);
      // The host disconnects every page on lock; come straight back (the handshake re-checks us).
      if (reason === 'io server disconnect') setTimeout(() => this.#socket.connect(), 200);
    });
    // Page channels ride this socket and close (page-gone) when it drops; views reopen them.
    this.#channels = new PageChannelClient(this.#socket, (error) => console.error('a page channel listener failed', error));
    this.#socket.on('connect_error', (error) => {
      // A stale secret is refused at the engine.io handshake (HTTP 403, before any session), or
      // by the socket guard (KITH_ERR_FORBIDDEN).
      const status = (error as { description?: unknown }).description;
      if (error.message === 'KITH_ERR_FORBIDDEN' || status === 403) this.#reloadForNewSecret();
    });
  }

  /** Listen to a host event; returns a function that stops listening. */
  on<K extends HostEventName>(name: K, handler: (payload: HostEvents[K]) => void): () => void;
  on(name: string, handler: (payload: unknown) => void): () => void;
  on(name: string, handler: (payload: never) => void): () => void {
    const listener = handler as (payload: unknown) => void;
    this.#socket.on(name, listener);
    return () => this.#socket.off(name, listener);
  }

  /** Send an event to the host (binary payloads stay binary). */
  emit(name: string, payload: unknown): void {
    this.#socket.emit(name, payload);
  }

  /**
   * The raw socket, for relaying a framed view's page channels (frames/frame-channel-relay.ts):
   * listen with `on(event, (...args) => …)`, which returns the remover.
   */
  readonly raw = {
    connected: () => this.#socket.connected,
    on: (event: string, listener: (...args: unknown[]) => void): (() => void) => {
      this.#socket.on(event, listener);
      return () => this.#socket.off(event, listener);
    },
    emit: (event: string, ...args: unknown[]): void => void this.#socket.emit(event, ...args),
    emitWithAck: (timeoutMs: number, event: string, args: readonly unknown[], done: (timedOut: boolean, answer: unknown) => void): void =>
      void this.#socket.timeout(timeoutMs).emit(event, ...args, (error: unknown, answer: unknown) => done(Boolean(error), answer)),
  };

  /** Open `extensionId`'s page channel `name` on this page's socket (see `UiHost.openChannel`). */
  openChannel(extensionId: string, name: string): Promise<PageChannel> {
    return this.#channels.open(extensionId, name);
  }

  /**
   * The secret was refused: the host restarted. Reload to get the new page (and secret), at most
   * once every 10 s so a page that is truly not ours does not loop.
   */
  #reloadForNewSecret(): void {
    const last = Number(sessionStorage.getItem(RELOAD_KEY) ?? 0);
    if (Date.now() - last < 10_000) return;
    sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    location.reload();
  }
}
