import { Disposable } from './disposable.js';
import { KithError } from './errors.js';
import { EventEmitter, type Event } from './event.js';
import { checkChannelMessage } from './page-channel-message.js';
import type {
  BackpressurePolicy, PageChannel, PageChannelCloseReason, PageChannelMessage, PageChannelStats,
} from './page-channel.js';

/** How one end reaches the other (socket.io on both sides; see page-channel-wire.ts). */
export interface ChannelTransport {
  message(message: PageChannelMessage): void;
  /** Hand back credit for messages this end has finished handling. */
  credit(messages: number, bytes: number): void;
  /** Tell the other end the channel closed. */
  close(reason: 'closed' | 'protocol-error'): void;
}

/** The settings both ends agree on when a channel opens. */
export interface ChannelTerms {
  readonly policy: BackpressurePolicy;
  readonly maxMessageBytes: number;
  readonly queueMessages: number;
  readonly queueBytes: number;
  readonly windowMessages: number;
  readonly windowBytes: number;
}

export interface ChannelEndpointInit {
  readonly name: string;
  readonly page: string;
  readonly terms: ChannelTerms;
  readonly transport: ChannelTransport;
  /** A receive listener threw or its promise rejected. */
  readonly onListenerError: (error: unknown) => void;
}

interface Queued {
  readonly message: PageChannelMessage;
  readonly bytes: number;
}

type ReceiveListener = (message: PageChannelMessage) => unknown;

/**
 * One end of a page channel, the same code on the host and in the page. Outbound: a bounded queue
 * drained only as far as the other end's credit window allows. Inbound: at most one window of
 * messages, handed to listeners one at a time; credit goes back once each is handled, batched
 * by a quarter window (or after a few milliseconds when traffic is light).
 */
export class ChannelEndpoint implements PageChannel {
  readonly name: string;
  readonly page: string;
  readonly policy: BackpressurePolicy;
  readonly maxMessageBytes: number;
  readonly #terms: ChannelTerms;
  readonly #transport: ChannelTransport;
  readonly #onListenerError: (error: unknown) => void;

  readonly #queue: Queued[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #inFlightMessages = 0;
  #inFlightBytes = 0;
  #needDrain = false;

  readonly #inbox: Queued[] = [];
  #unreturnedMessages = 0;
  #unreturnedBytes = 0;
  #creditMessages = 0;
  #creditBytes = 0;
  #creditTimer: ReturnType<typeof setTimeout> | undefined;
  #delivering = false;

  #sent = 0;
  #received = 0;
  #dropped = 0;
  #refused = 0;
  #open = true;

  readonly #receivers = new Set<ReceiveListener>();
  readonly #drain = new EventEmitter<void>();
  readonly #closed = new EventEmitter<{ readonly reason: PageChannelCloseReason }>();

  readonly onDidDrain: Event<void> = this.#drain.event;
  readonly onDidClose: Event<{ readonly reason: PageChannelCloseReason }> = this.#closed.event;
  readonly onDidReceive: Event<PageChannelMessage> = (listener, thisArgs, disposables) => {
    if (!this.#open) return Disposable.None;
    const bound: ReceiveListener = thisArgs === undefined ? listener : listener.bind(thisArgs);
    this.#receivers.add(bound);
    const subscription = new Disposable(() => this.#receivers.delete(bound));
    disposables?.push(subscription);
    // Messages that arrived before the first listener were kept for it.
    if (this.#inbox.length > 0) queueMicrotask(() => void this.#deliver());
    return subscription;
  };

  constructor(init: ChannelEndpointInit) {
    this.name = init.name;
    this.page = init.page;
    this.policy = init.terms.policy;
    this.maxMessageBytes = init.terms.maxMessageBytes;
    this.#terms = init.terms;
    this.#transport = init.transport;
    this.#onListenerError = init.onListenerError;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  get writable(): boolean {
    return this.#open && !this.#queueFull(0);
  }

  get stats(): PageChannelStats {
    return Object.freeze({
      sent: this.#sent,
      received: this.#received,
      dropped: this.#dropped,
      refused: this.#refused,
      queuedMessages: this.#queue.length - this.#queueHead,
      queuedBytes: this.#queuedBytes,
      inFlightMessages: this.#inFlightMessages,
      inFlightBytes: this.#inFlightBytes,
    });
  }

  send(message: PageChannelMessage): boolean {
    if (!this.#open) throw new KithError('KITH_ERR_CONFLICT', `Page channel "${this.name}" is closed`);
    const checked = checkChannelMessage(message, this.maxMessageBytes);
    if (this.#queue.length === this.#queueHead && this.#hasCredit(checked.bytes)) {
      this.#put(checked);
      return true;
    }
    if (this.#queueFull(checked.bytes)) {
      if (this.policy === 'pause') {
        this.#refused++;
        this.#needDrain = true;
        return false;
      }
      while (this.#queueFull(checked.bytes) && this.#queue.length > this.#queueHead) {
        this.#shift();
        this.#dropped++;
      }
    }
    this.#queue.push(checked);
    this.#queuedBytes += checked.bytes;
    return true;
  }

  whenWritable(): Promise<void> {
    if (!this.#open) return Promise.reject(this.#closedError());
    if (this.writable) return Promise.resolve();
    this.#needDrain = true;
    return new Promise<void>((resolve, reject) => {
      const done = Disposable.from(
        this.#drain.event(() => {
          done.dispose();
          resolve();
        }),
        this.#closed.event(() => {
          done.dispose();
          reject(this.#closedError());
        }),
      );
    });
  }

  close(): void {
    if (!this.#open) return;
    this.#transport.close('closed');
    this.end('closed');
  }

  dispose(): void {
    this.close();
  }

  /** A message from the other end. A message over the limits or beyond its credit closes the channel. */
  receive(raw: unknown): void {
    if (!this.#open) return;
    let checked: Queued;
    try {
      checked = checkChannelMessage(raw, this.maxMessageBytes);
    } catch {
      this.#breakProtocol();
      return;
    }
    this.#unreturnedMessages++;
    this.#unreturnedBytes += checked.bytes;
    if (this.#unreturnedMessages > this.#terms.windowMessages || this.#unreturnedBytes > this.#terms.windowBytes + this.maxMessageBytes) {
      this.#breakProtocol();
      return;
    }
    this.#inbox.push(checked);
    if (!this.#delivering) void this.#deliver();
  }

  /** Credit from the other end: it finished handling `messages` messages of `bytes` bytes. */
  grant(messages: unknown, bytes: unknown): void {
    if (!this.#open) return;
    if (!isCount(messages) || !isCount(bytes) || messages > this.#inFlightMessages || bytes > this.#inFlightBytes) {
      this.#breakProtocol();
      return;
    }
    this.#inFlightMessages -= messages;
    this.#inFlightBytes -= bytes;
    this.#pump();
  }

  /** Close without telling the other end (it closed, went away, or the extension stopped). */
  end(reason: PageChannelCloseReason): void {
    if (!this.#open) return;
    this.#open = false;
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.#queuedBytes = 0;
    this.#inbox.length = 0;
    this.#receivers.clear();
    if (this.#creditTimer) clearTimeout(this.#creditTimer);
    this.#closed.fire({ reason });
    this.#closed.dispose();
    this.#drain.dispose();
  }

  #breakProtocol(): void {
    this.#transport.close('protocol-error');
    this.end('protocol-error');
  }

  #closedError(): KithError {
    return new KithError('KITH_ERR_CONFLICT', `Page channel "${this.name}" closed`);
  }

  #hasCredit(bytes: number): boolean {
    if (this.#inFlightMessages === 0) return true; // one message always fits (windowBytes ≥ maxMessageBytes)
    return this.#inFlightMessages < this.#terms.windowMessages && this.#inFlightBytes + bytes <= this.#terms.windowBytes;
  }

  #queueFull(bytes: number): boolean {
    const queued = this.#queue.length - this.#queueHead;
    return queued + 1 > this.#terms.queueMessages || this.#queuedBytes + bytes > this.#terms.queueBytes;
  }

  #put(item: Queued): void {
    this.#inFlightMessages++;
    this.#inFlightBytes += item.bytes;
    this.#sent++;
    this.#transport.message(item.message);
  }

  #shift(): Queued {
    const item = this.#queue[this.#queueHead]!;
    this.#queue[this.#queueHead] = undefined as unknown as Queued;
    this.#queueHead++;
    this.#queuedBytes -= item.bytes;
    if (this.#queueHead > 64 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    return item;
  }

  #pump(): void {
    while (this.#open && this.#queue.length > this.#queueHead && this.#hasCredit(this.#queue[this.#queueHead]!.bytes)) {
      this.#put(this.#shift());
    }
    if (!this.#open || !this.#needDrain) return;
    const queued = this.#queue.length - this.#queueHead;
    if (queued * 2 <= this.#terms.queueMessages && this.#queuedBytes * 2 <= this.#terms.queueBytes) {
      this.#needDrain = false;
      this.#drain.fire();
    }
  }

  async #deliver(): Promise<void> {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#open && this.#inbox.length > 0 && this.#receivers.size > 0) {
        const item = this.#inbox.shift()!;
        this.#received++;
        for (const listener of [...this.#receivers]) {
          try {
            const result = listener(item.message);
            if (isThenable(result)) await result;
          } catch (error) {
            this.#onListenerError(error);
          }
          if (!this.#open) return;
        }
        this.#handBack(item.bytes);
      }
    } finally {
      this.#delivering = false;
    }
  }

  #handBack(bytes: number): void {
    this.#unreturnedMessages--;
    this.#unreturnedBytes -= bytes;
    this.#creditMessages++;
    this.#creditBytes += bytes;
    if (this.#creditMessages * 4 >= this.#terms.windowMessages || this.#creditBytes * 4 >= this.#terms.windowBytes) {
      this.#flushCredit();
    } else if (!this.#creditTimer) {
      this.#creditTimer = setTimeout(() => this.#flushCredit(), 4);
    }
  }

  #flushCredit(): void {
    if (this.#creditTimer) clearTimeout(this.#creditTimer);
    this.#creditTimer = undefined;
    if (!this.#open || this.#creditMessages === 0) return;
    this.#transport.credit(this.#creditMessages, this.#creditBytes);
    this.#creditMessages = 0;
    this.#creditBytes = 0;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
