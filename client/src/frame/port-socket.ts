import type { ChannelSocket } from '@kith/sdk';

/**
 * The page's socket as the SDK's page channel client sees it, inside a frame: emits go to the
 * shell over the port (which relays only this view's channels), and the shell's relay delivers
 * what the host sent, `connect` and `disconnect` included.
 */
export class PortSocket implements ChannelSocket {
  readonly #listeners = new Map<string, Set<(...args: any[]) => void>>();
  readonly #acks = new Map<number, (error: unknown, answer: unknown) => void>();
  #nextAck = 1;
  #connected: boolean;

  constructor(
    connected: boolean,
    private readonly send: (event: string, args: readonly unknown[], ack: number | null) => void,
  ) {
    this.#connected = connected;
  }

  get connected(): boolean {
    return this.#connected;
  }

  on(event: string, listener: (...args: any[]) => void): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    this.send(event, args, null);
    return this;
  }

  timeout(ms: number): { emit(event: string, ...args: unknown[]): unknown } {
    return {
      emit: (event: string, ...args: unknown[]) => {
        const done = args.pop() as (error: unknown, answer: unknown) => void;
        const ack = this.#nextAck++;
        this.#acks.set(ack, done);
        setTimeout(() => {
          if (this.#acks.delete(ack)) done(new Error('operation has timed out'), undefined);
        }, ms);
        this.send(event, args, ack);
      },
    };
  }

  deliver(event: string, args: readonly unknown[]): void {
    if (event === 'connect') this.#connected = true;
    if (event === 'disconnect') this.#connected = false;
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
  }

  acknowledge(ack: number, timedOut: boolean, answer: unknown): void {
    const done = this.#acks.get(ack);
    if (!done) return;
    this.#acks.delete(ack);
    done(timedOut ? new Error('operation has timed out') : null, answer);
  }
}
