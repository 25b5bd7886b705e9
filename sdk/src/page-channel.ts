/**
 * Page channels: a named, duplex channel between an extension's host code and ONE page of its UI
 * (one browser tab's socket), for media frames and other high-rate traffic. Messages are binary
 * (`Uint8Array`, carried as binary, never base64) or structured (plain JSON-like data, which may
 * itself hold `Uint8Array`s). Each direction has its own bounded queue and a credit window, so a
 * page that stops reading never grows host memory and never slows other pages.
 *
 * The page opens a channel (`UiHost.openChannel(name)`); the extension accepts it with
 * `ctx.pageChannels.register(name, onOpen, options)` and chooses the backpressure policy for both
 * directions. Both ends get the same {@link PageChannel} interface.
 */
import type { Disposable } from './disposable.js';
import type { Event } from './event.js';

/** Plain data a structured message may hold: JSON values, plus `Uint8Array`s (sent as binary). */
export type PageChannelValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | readonly PageChannelValue[]
  | { readonly [key: string]: PageChannelValue };

/**
 * One message: a `Uint8Array` (binary) or a structured value. A received binary message is always
 * a `Uint8Array`; a received structured one is a fresh copy.
 */
export type PageChannelMessage = PageChannelValue;

/**
 * What a sender does when its queue is full (the other end reads slower than it sends):
 * - `drop-oldest`: `send` always accepts; the oldest queued message is dropped and counted in
 *   {@link PageChannelStats.dropped} (live media: the newest frame matters).
 * - `pause`: `send` returns false and does not take the message (counted in `refused`); wait with
 *   `await channel.whenWritable()` or {@link PageChannel.onDidDrain} (nothing may be lost).
 */
export type BackpressurePolicy = 'drop-oldest' | 'pause';

/** Options of {@link PageChannels.register}; they apply to both directions. */
export interface PageChannelOptions {
  /** Default: `pause`. */
  readonly policy?: BackpressurePolicy;
  /**
   * Messages a sender may queue beyond those in flight. Default 64, 1 to
   * {@link PAGE_CHANNEL_LIMITS}.maxQueuedMessages.
   */
  readonly queueMessages?: number;
  /**
   * Bytes a sender may queue beyond those in flight. Default 4 MiB, at least
   * {@link PageChannelOptions.maxMessageBytes}, at most {@link PAGE_CHANNEL_LIMITS}.maxQueuedBytes.
   */
  readonly queueBytes?: number;
  /** The largest message either end may send. Default and maximum: 1 MiB. */
  readonly maxMessageBytes?: number;
}

/** Why a channel closed. */
export type PageChannelCloseReason =
  /** `close()`/`dispose()` on this end. */
  | 'closed'
  /** The other end closed it. */
  | 'closed-by-peer'
  /** The page went away (tab closed, reloaded, socket lost), or Kith was locked (pages are dropped). */
  | 'page-gone'
  /** The extension stopped (turned off, faulted, persona locked or switched) or unregistered the name. */
  | 'extension-stopped'
  /** The other end broke the protocol (a message over the limit or beyond its credit). */
  | 'protocol-error';

/** Counters of one end of a channel. `sent`/`received` count messages handed over, not queued. */
export interface PageChannelStats {
  /** Messages this end put on the wire. */
  readonly sent: number;
  /** Messages this end delivered to its listeners. */
  readonly received: number;
  /** Messages `drop-oldest` dropped from this end's queue. */
  readonly dropped: number;
  /** `send` calls `pause` refused (returned false). */
  readonly refused: number;
  /** Messages waiting in this end's queue (not yet on the wire). */
  readonly queuedMessages: number;
  readonly queuedBytes: number;
  /** Messages on the wire the other end has not finished handling yet. */
  readonly inFlightMessages: number;
  readonly inFlightBytes: number;
}

/**
 * One end of an open channel. Dispose (or `close()`) to close it for both ends.
 *
 * Receiving: listeners of {@link onDidReceive} get messages one at a time, in order. A listener may
 * return a promise: the next message waits for it, and the other end's sender is slowed down to
 * match (its credit comes back only once a message is handled). Messages that arrive before the
 * first listener is attached wait for it.
 */
export interface PageChannel {
  /** The name the channel was opened with. */
  readonly name: string;
  /**
   * An opaque id of the page (one tab's socket connection), the same for every channel it opens
   * until it reconnects: tell pages apart with it.
   */
  readonly page: string;
  /** The policy the extension chose (both directions). */
  readonly policy: BackpressurePolicy;
  /** The largest message either end may send. */
  readonly maxMessageBytes: number;
  /** True while open. */
  readonly isOpen: boolean;
  /** True when `send` would take a message now without dropping one. */
  readonly writable: boolean;
  /** Counters of this end. */
  readonly stats: PageChannelStats;
  /**
   * Queue `message` for the other end. Returns true when taken. When the queue is full:
   * `drop-oldest` drops the oldest queued message and returns true; `pause` returns false and
   * keeps nothing. Throws `KITH_ERR_PAYLOAD_TOO_LARGE` for a message over `maxMessageBytes`,
   * `KITH_ERR_BAD_REQUEST` for one that is not plain data, `KITH_ERR_CONFLICT` once closed.
   */
  send(message: PageChannelMessage): boolean;
  /** Resolves when `send` has room again (at once if it has); rejects with `KITH_ERR_CONFLICT` if the channel closes first. */
  whenWritable(): Promise<void>;
  /** Fires for each message from the other end (see the interface comment about promises). */
  readonly onDidReceive: Event<PageChannelMessage>;
  /** Fires when a `send` refused by `pause` may be retried: the queue has drained to half. */
  readonly onDidDrain: Event<void>;
  /** Fires once, when the channel closes for any reason. */
  readonly onDidClose: Event<{ readonly reason: PageChannelCloseReason }>;
  /** Close the channel for both ends. Queued messages are discarded. Calling it again does nothing. */
  close(): void;
  /** The same as {@link close}, so a channel can go into `ctx.subscriptions`. */
  dispose(): void;
}

/** `ctx.pageChannels`: accepts channels the extension's pages open. */
export interface PageChannels {
  /**
   * Accept channels named `name` (1-64 letters, digits, `.`, `_`, `-`) that this extension's
   * pages open with `UiHost.openChannel(name)`. `onOpen` runs once per opened channel, before the
   * page can send on it. Disposing the registration closes every channel it accepted. Throws
   * `KITH_ERR_DUPLICATE` for a name already registered, `KITH_ERR_BAD_REQUEST` for bad options.
   */
  register(name: string, onOpen: (channel: PageChannel) => void, options?: PageChannelOptions): Disposable;
  /** The channels open right now, across all names and pages. */
  readonly open: readonly PageChannel[];
}

/** Fixed bounds of page channels. */
export const PAGE_CHANNEL_LIMITS = Object.freeze({
  /** The largest message (bytes of binary plus UTF-8 bytes of text and keys). */
  maxMessageBytes: 1024 * 1024,
  /** Channels one page may hold open at once, across all extensions. */
  maxChannelsPerPage: 16,
  /** Of those, one extension's at most (so no extension's views can take the others' channels). */
  maxChannelsPerExtensionPerPage: 4,
  /** Upper bounds of {@link PageChannelOptions.queueMessages} and `queueBytes`. */
  maxQueuedMessages: 1024,
  maxQueuedBytes: 16 * 1024 * 1024,
  /** Credit window: messages (and bytes) a sender may have in flight before the receiver hands them back. */
  windowMessages: 32,
  windowBytes: 2 * 1024 * 1024,
  /** Nesting depth of a structured message. */
  maxDepth: 32,
});

/** What a channel's name may look like. */
export const PAGE_CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
