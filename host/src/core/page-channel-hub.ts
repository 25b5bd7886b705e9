import { randomBytes } from 'node:crypto';
import type { Server as SocketServer, Socket } from 'socket.io';
import {
  ChannelEndpoint, CHANNEL_EVENTS, Disposable, KithError, PAGE_CHANNEL_LIMITS, PAGE_CHANNEL_NAME, channelTerms,
  type ChannelTerms, type OpenAnswer, type PageChannel, type PageChannels,
} from '@kith/sdk';
import type { ExtensionScope } from './area.js';

/** One `ctx.pageChannels.register(name, ...)`. */
interface Registration {
  readonly scope: ExtensionScope;
  readonly name: string;
  readonly terms: ChannelTerms;
  readonly onOpen: (channel: PageChannel) => void;
  /** Each open channel, with the page that opened it and its id there. */
  readonly channels: Map<ChannelEndpoint, { readonly page: Page; readonly id: string }>;
}

/** One connected page (a tab's authenticated socket) and the channels it holds. */
interface Page {
  readonly id: string;
  readonly socket: Socket;
  readonly channels: Map<string, ChannelEndpoint>;
  /** Open channels per extension, of {@link channels}. */
  readonly perExtension: Map<string, number>;
}

const EXTENSION_ID = /^[a-z][a-z0-9-]{1,31}$/;

/**
 * Page channels on the host: each page (socket) opens channels an extension registered by name;
 * messages, credit and closes are routed by channel id within that socket only, so no other page
 * can reach a channel, and an extension only ever sees channels opened to its own registrations.
 * Every socket here passed the gateway's launch-secret guard. A registration lives as long as the
 * extension runs for the active persona (lock and switch deactivate it), so its channels close then.
 */
export class PageChannelHub {
  static readonly #hubs = new WeakMap<SocketServer, PageChannelHub>();

  /** The one hub of `io`, created on first use (it also takes the pages connected before). */
  static of(io: SocketServer): PageChannelHub {
    let hub = PageChannelHub.#hubs.get(io);
    if (!hub) PageChannelHub.#hubs.set(io, (hub = new PageChannelHub(io)));
    return hub;
  }

  readonly #registrations = new Map<string, Registration>();

  private constructor(io: SocketServer) {
    for (const socket of io.of('/').sockets.values()) this.#attach(socket);
    io.on('connection', (socket) => this.#attach(socket));
  }

  /** `ctx.pageChannels` for one extension run. */
  forScope(scope: ExtensionScope): PageChannels {
    const mine = new Set<Registration>();
    return {
      register: (name, onOpen, options) => {
        if (typeof name !== 'string' || !PAGE_CHANNEL_NAME.test(name)) {
          throw new KithError('KITH_ERR_BAD_REQUEST', `Channel name "${String(name).slice(0, 80)}" must be 1-64 letters, digits, dots, dashes or underscores`);
        }
        if (typeof onOpen !== 'function') throw new KithError('KITH_ERR_BAD_REQUEST', 'register needs an onOpen function');
        const key = registrationKey(scope.extension.id, name);
        if (this.#registrations.has(key)) throw new KithError('KITH_ERR_DUPLICATE', `Page channel "${name}" is already registered`);
        const registration: Registration = { scope, name, terms: channelTerms(options), onOpen, channels: new Map() };
        this.#registrations.set(key, registration);
        mine.add(registration);
        return scope.track(
          new Disposable(() => {
            mine.delete(registration);
            if (this.#registrations.get(key) === registration) this.#registrations.delete(key);
            for (const [channel, { page, id }] of [...registration.channels]) {
              // Tell the page why, then close.
              if (page.socket.connected) page.socket.emit(CHANNEL_EVENTS.close, id, 'extension-stopped');
              channel.end('extension-stopped');
            }
          }),
        );
      },
      get open() {
        return [...mine].flatMap((registration) => [...registration.channels.keys()]);
      },
    };
  }

  #attach(socket: Socket): void {
    const page: Page = { id: randomBytes(8).toString('hex'), socket, channels: new Map(), perExtension: new Map() };
    socket.on(CHANNEL_EVENTS.open, (request: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      (ack as (answer: OpenAnswer) => void)(this.#open(page, request));
    });
    socket.on(CHANNEL_EVENTS.message, (id: unknown, message: unknown) => page.channels.get(String(id))?.receive(message));
    socket.on(CHANNEL_EVENTS.credit, (id: unknown, messages: unknown, bytes: unknown) => page.channels.get(String(id))?.grant(messages, bytes));
    socket.on(CHANNEL_EVENTS.close, (id: unknown, reason: unknown) => {
      page.channels.get(String(id))?.end(reason === 'protocol-error' ? 'protocol-error' : 'closed-by-peer');
    });
    socket.on('disconnect', () => {
      for (const channel of [...page.channels.values()]) channel.end('page-gone');
    });
  }

  #open(page: Page, request: unknown): OpenAnswer {
    const { extension, name } = (typeof request === 'object' && request !== null ? request : {}) as { extension?: unknown; name?: unknown };
    if (typeof extension !== 'string' || !EXTENSION_ID.test(extension) || typeof name !== 'string' || !PAGE_CHANNEL_NAME.test(name)) {
      return refused('KITH_ERR_BAD_REQUEST', 'A channel opening names an extension id and a channel name');
    }
    const registration = this.#registrations.get(registrationKey(extension, name));
    if (!registration) {
      return refused('KITH_ERR_NOT_FOUND', `Extension "${extension}" accepts no page channel "${name}" (it is not running, or did not register it)`);
    }
    if (page.channels.size >= PAGE_CHANNEL_LIMITS.maxChannelsPerPage) {
      return refused('KITH_ERR_RATE_LIMITED', `A page may hold at most ${PAGE_CHANNEL_LIMITS.maxChannelsPerPage} channels open`);
    }
    const ofExtension = page.perExtension.get(extension) ?? 0;
    if (ofExtension >= PAGE_CHANNEL_LIMITS.maxChannelsPerExtensionPerPage) {
      return refused('KITH_ERR_RATE_LIMITED', `A page may hold at most ${PAGE_CHANNEL_LIMITS.maxChannelsPerExtensionPerPage} channels of one extension open`);
    }
    const id = randomBytes(16).toString('hex');
    const { socket } = page;
    const { scope } = registration;
    const channel = new ChannelEndpoint({
      name,
      page: page.id,
      terms: registration.terms,
      onListenerError: (error) => scope.fault(error),
      transport: {
        message: (message) => socket.emit(CHANNEL_EVENTS.message, id, message),
        credit: (messages, bytes) => socket.emit(CHANNEL_EVENTS.credit, id, messages, bytes),
        close: (reason) => socket.emit(CHANNEL_EVENTS.close, id, reason),
      },
    });
    page.channels.set(id, channel);
    page.perExtension.set(extension, ofExtension + 1);
    registration.channels.set(channel, { page, id });
    channel.onDidClose(({ reason }) => {
      page.channels.delete(id);
      const left = (page.perExtension.get(extension) ?? 1) - 1;
      if (left > 0) page.perExtension.set(extension, left);
      else page.perExtension.delete(extension);
      registration.channels.delete(channel);
      scope.log.debug('page channel closed', { channel: name, page: page.id, reason, ...channel.stats });
    });
    // The page learns the id from the answer, which goes out before anything onOpen sends.
    queueMicrotask(() => {
      if (!channel.isOpen) return;
      try {
        registration.onOpen(channel);
      } catch (error) {
        channel.close();
        scope.fault(error);
      }
    });
    scope.log.debug('page channel opened', { channel: name, page: page.id });
    return { ok: true, id, page: page.id, terms: registration.terms };
  }
}

function registrationKey(extension: string, name: string): string {
  return `${extension}\u0000${name}`;
}

function refused(code: 'KITH_ERR_BAD_REQUEST' | 'KITH_ERR_NOT_FOUND' | 'KITH_ERR_RATE_LIMITED', message: string): OpenAnswer {
  return { ok: false, error: { code, message } };
}
