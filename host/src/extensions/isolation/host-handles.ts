import { KithError, type PageChannel } from '@kith/sdk';

type HandleKind = 'channel' | 'udp' | 'listener';

/**
 * Host objects an extension host refers to by number: byte streams it pulls one piece at a time
 * (a blob's readStream, a streamed request body), page channels, UDP sockets and timed listeners. A handle is only
 * ever one of this extension's own objects; everything is dropped when the process stops.
 */
export class HostHandles {
  #next = 1;
  readonly #streams = new Map<number, AsyncIterator<Uint8Array>>();
  readonly #objects = new Map<number, { kind: HandleKind; value: unknown }>();

  stream(iterable: AsyncIterable<Uint8Array>): { '@stream': number } {
    const id = this.#next++;
    this.#streams.set(id, iterable[Symbol.asyncIterator]());
    return { '@stream': id };
  }

  /** The next piece of a stream: one in flight at a time, so memory stays bounded by a piece. */
  async pull(id: unknown): Promise<{ done: boolean; value?: Uint8Array }> {
    const iterator = this.#streams.get(Number(id));
    if (!iterator) throw new KithError('KITH_ERR_NOT_FOUND', 'No such stream (it ended or was cancelled)');
    try {
      const step = await iterator.next();
      if (step.done) this.#streams.delete(Number(id));
      return step.done ? { done: true } : { done: false, value: step.value };
    } catch (error) {
      this.#streams.delete(Number(id));
      throw error;
    }
  }

  async cancel(id: unknown): Promise<void> {
    const iterator = this.#streams.get(Number(id));
    this.#streams.delete(Number(id));
    await iterator?.return?.();
  }

  add(kind: HandleKind, value: unknown): number {
    const id = this.#next++;
    this.#objects.set(id, { kind, value });
    return id;
  }

  get<T>(kind: HandleKind, id: unknown): T {
    const entry = this.#objects.get(Number(id));
    if (!entry || entry.kind !== kind) throw new KithError('KITH_ERR_NOT_FOUND', `No such ${kind} (it was closed)`);
    return entry.value as T;
  }

  forget(id: unknown): void {
    this.#objects.delete(Number(id));
  }

  /** The process stopped: end every stream and close every socket it held. */
  dispose(): void {
    for (const iterator of this.#streams.values()) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    this.#streams.clear();
    for (const { kind, value } of this.#objects.values()) {
      try {
        if (kind === 'channel') (value as PageChannel).close();
        else (value as { dispose(): void }).dispose();
      } catch {
        // already closed
      }
    }
    this.#objects.clear();
  }
}

/** What the extension host mirrors of a page channel (its synchronous members read these). */
export function channelState(channel: PageChannel): { isOpen: boolean; writable: boolean; stats: unknown } {
  return { isOpen: channel.isOpen, writable: channel.writable, stats: { ...channel.stats } };
}
