import { KithError } from './errors.js';
import { ChannelEndpoint } from './page-channel-endpoint.js';
import { CHANNEL_EVENTS, CHANNEL_ID, checkTerms, type OpenAnswer } from './page-channel-wire.js';
import { PAGE_CHANNEL_NAME, type PageChannel } from './page-channel.js';

/** The part of a socket.io client socket the page side needs. */
export interface ChannelSocket {
  readonly connected: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  /** socket.io's acknowledged emit: the last argument is called with `(error, answer)`. */
  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown };
}

const OPEN_TIMEOUT_MS = 10_000;

/**
 * The page's side of page channels over its one socket.io connection: the shell's `UiHost` and the
 * test kit's page both use it. Every channel closes (`page-gone`) when the socket disconnects;
 * channels do not survive a reconnect, so a view opens them again.
 */
export class PageChannelClient {
  readonly #socket: ChannelSocket;
  readonly #channels = new Map<string, ChannelEndpoint>();
  readonly #onListenerError: (error: unknown) => void;

  constructor(socket: ChannelSocket, onListenerError: (error: unknown) => void = rethrowLater) {
    this.#socket = socket;
    this.#onListenerError = onListenerError;
    socket.on(CHANNEL_EVENTS.message, (id: unknown, message: unknown) => this.#channels.get(String(id))?.receive(message));
    socket.on(CHANNEL_EVENTS.credit, (id: unknown, messages: unknown, bytes: unknown) => this.#channels.get(String(id))?.grant(messages, bytes));
    socket.on(CHANNEL_EVENTS.close, (id: unknown, reason: unknown) => {
      this.#channels.get(String(id))?.end(reason === 'extension-stopped' ? 'extension-stopped' : reason === 'protocol-error' ? 'protocol-error' : 'closed-by-peer');
    });
    socket.on('disconnect', () => {
      for (const channel of [...this.#channels.values()]) channel.end('page-gone');
    });
  }

  /**
   * Open `extensionId`'s channel `name`. Rejects with the host's error: `KITH_ERR_NOT_FOUND` when
   * the extension does not run or has not registered the name, `KITH_ERR_RATE_LIMITED` past
   * `PAGE_CHANNEL_LIMITS.maxChannelsPerPage`, `KITH_ERR_TIMEOUT` when the host does not answer.
   */
  async open(extensionId: string, name: string): Promise<PageChannel> {
    if (typeof name !== 'string' || !PAGE_CHANNEL_NAME.test(name)) {
      throw new KithError('KITH_ERR_BAD_REQUEST', `Channel name "${String(name).slice(0, 80)}" must be 1-64 letters, digits, dots, dashes or underscores`);
    }
    // The channel is built inside the acknowledgement callback, before any later packet of the
    // same read is dispatched, so a message the host sends right after opening is never missed.
    return new Promise<PageChannel>((resolve, reject) => {
      this.#socket.timeout(OPEN_TIMEOUT_MS).emit(CHANNEL_EVENTS.open, { extension: extensionId, name }, (error: unknown, answer: unknown) => {
        if (error) reject(new KithError('KITH_ERR_TIMEOUT', `The host did not answer the opening of channel "${name}"`));
        else {
          try {
            resolve(this.#accept(name, answer as OpenAnswer));
          } catch (refused) {
            reject(refused);
          }
        }
      });
    });
  }

  #accept(name: string, answer: OpenAnswer | undefined): PageChannel {
    if (!answer || answer.ok !== true) {
      const error = (answer as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === 'string' && error.code.startsWith('KITH_ERR_') ? error.code : 'KITH_ERR_INTERNAL';
      throw new KithError(code as 'KITH_ERR_INTERNAL', typeof error?.message === 'string' ? error.message.slice(0, 500) : 'The channel could not be opened');
    }
    if (typeof answer.id !== 'string' || !CHANNEL_ID.test(answer.id) || typeof answer.page !== 'string') {
      throw new KithError('KITH_ERR_INTERNAL', 'The host answered the channel opening with a malformed id');
    }
    const id = answer.id;
    const socket = this.#socket;
    const channel = new ChannelEndpoint({
      name,
      page: answer.page.slice(0, 64),
      terms: checkTerms(answer.terms),
      onListenerError: this.#onListenerError,
      transport: {
        message: (message) => socket.emit(CHANNEL_EVENTS.message, id, message),
        credit: (messages, bytes) => socket.emit(CHANNEL_EVENTS.credit, id, messages, bytes),
        close: (reason) => socket.emit(CHANNEL_EVENTS.close, id, reason),
      },
    });
    channel.onDidClose(() => this.#channels.delete(id));
    // The socket dropped while the answer was on its way: the host has closed it already.
    if (!socket.connected) channel.end('page-gone');
    else this.#channels.set(id, channel);
    return channel;
  }

  /** Channels this page has open. */
  get openCount(): number {
    return this.#channels.size;
  }
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

