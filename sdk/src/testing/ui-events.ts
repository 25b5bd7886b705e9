import { io, type Socket } from 'socket.io-client';

/** One message the page received: an extension's `ctx.events.emit` arrives as `<ext-id>:<name>`. */
export interface UiEvent<T = unknown> {
  readonly name: string;
  readonly payload: T;
  /** Unix ms when the test received it. */
  readonly at: number;
}

/** A listener registration; call `dispose` to stop listening. */
export interface Subscription {
  dispose(): void;
}

/**
 * What a Kith page sees on its socket.io connection, recorded from the moment the host started
 * (and across restarts). `T` names the payload type you expect for an event.
 */
export interface UiEventStream {
  /** Every event received so far, oldest first. */
  readonly received: readonly UiEvent[];
  /** Call `listener` for every future event named `name` (e.g. `hello:wave`). */
  on<T = unknown>(name: string, listener: (payload: T) => void): Subscription;
  /**
   * The first event named `name` whose payload passes `match`, already received or still to
   * come. Rejects after `timeoutMs` (default 20 s) naming the event.
   */
  waitFor<T = unknown>(name: string, match?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Like {@link waitFor}, but only events that arrive after the call. */
  next<T = unknown>(name: string, match?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Forget the events received so far. */
  clear(): void;
  /**
   * Send an event to the host as the page does (`UiHost.emit`): `name` is `<ext-id>:<event>`, and
   * the extension's `ctx.events.on(event, ...)` receives `payload`. Throws while the host is stopped.
   */
  emit(name: string, payload: unknown): void;
}

type Listener = (event: UiEvent) => void;

/** The recorder behind {@link UiEventStream}; the test host attaches a socket after each (re)start. */
export class UiEventRecorder implements UiEventStream {
  readonly received: UiEvent[] = [];
  readonly #listeners = new Set<Listener>();
  #socket: Socket | undefined;

  /** Open the page socket with the launch secret and record everything it receives. */
  async attach(url: string, secret: string): Promise<void> {
    this.detach();
    const socket = io(url, {
      path: '/api/ws',
      // The page's own credentials: the secret as a header at the handshake.
      transports: ['websocket'],
      extraHeaders: { origin: url, 'x-kith-secret': secret },
      reconnection: false,
    });
    socket.onAny((name: string, payload: unknown) => {
      const event: UiEvent = { name, payload, at: Date.now() };
      this.received.push(event);
      for (const listener of [...this.#listeners]) listener(event);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`the page socket of ${url} was refused: ${error.message}`)));
    });
    this.#socket = socket;
  }

  /** Whether the page socket is open (locking closes it from the host's side). */
  get connected(): boolean {
    return this.#socket?.connected === true;
  }

  detach(): void {
    this.#socket?.close();
    this.#socket = undefined;
  }

  on<T = unknown>(name: string, listener: (payload: T) => void): Subscription {
    const wrapped: Listener = (event) => {
      if (event.name === name) listener(event.payload as T);
    };
    this.#listeners.add(wrapped);
    return { dispose: () => this.#listeners.delete(wrapped) };
  }

  waitFor<T = unknown>(name: string, match: (payload: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
    const seen = this.received.find((event) => event.name === name && match(event.payload as T));
    if (seen) return Promise.resolve(seen.payload as T);
    return this.next(name, match, timeoutMs);
  }

  next<T = unknown>(name: string, match: (payload: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the UI event "${name}"`));
      }, timeoutMs);
      const subscription = this.on<T>(name, (payload) => {
        if (!match(payload)) return;
        clearTimeout(timer);
        subscription.dispose();
        resolve(payload);
      });
    });
  }

  clear(): void {
    this.received.length = 0;
  }

  emit(name: string, payload: unknown): void {
    if (!this.#socket) throw new Error(`the page socket is closed; cannot send "${name}"`);
    this.#socket.emit(name, payload);
  }
}
