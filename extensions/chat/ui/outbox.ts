import type { ChatMessageJson, ChatPeer } from './chat-api';

/** A message the user sent that the host has not confirmed yet. */
export interface OutgoingMessage {
  /** Chosen here, so a repeated POST (after a lost answer) stores and sends the message once. */
  readonly id: string;
  readonly peer: ChatPeer;
  readonly body: string;
  readonly replyTo: string | null;
}

export interface OutboxHandlers {
  /** POST the message (idempotent by `id`). */
  send(message: OutgoingMessage): Promise<ChatMessageJson>;
  sent(message: OutgoingMessage, stored: ChatMessageJson): void;
  failed(message: OutgoingMessage, error: Error): void;
}

/** Waits between attempts of one message when the host could not be reached or failed (5xx). */
const RETRY_DELAYS_MS = [250, 1000, 3000];

/** A new message id: 16 random bytes in hex, like the host's. */
export function newMessageId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The composer's send queue. The composer hands a message over and is cleared at once, so
 * nothing typed meanwhile is lost; the queue posts one message at a time, in the order they were
 * written (so both sides store them in that order), and tries a message again under the same id
 * when the host could not answer. A refusal (4xx) is reported at once, never retried blindly.
 */
export class Outbox {
  private readonly queue: OutgoingMessage[] = [];
  private running = false;

  constructor(
    private readonly handlers: OutboxHandlers,
    private readonly delaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  /** Messages not confirmed yet, including the one being posted. */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(message: OutgoingMessage): void {
    this.queue.push(message);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const message = this.queue[0]!;
        await this.deliver(message);
        this.queue.shift();
      }
    } finally {
      this.running = false;
    }
  }

  private async deliver(message: OutgoingMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.handlers.sent(message, await this.handlers.send(message));
        return;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        const transient = typeof status !== 'number' || status >= 500 || status === 423;
        if (!transient || attempt >= this.delaysMs.length) {
          this.handlers.failed(message, error as Error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.delaysMs[attempt]));
      }
    }
  }
}
