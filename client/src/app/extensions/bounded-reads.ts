import { KithError } from '@kith/sdk';

/**
 * Requests the shell makes for extensions (their `entries` routes, third-party frames' calls),
 * bounded: at most `concurrency` at once, each given up after `timeoutMs` (if given), at most
 * `maxWaiting` waiting for their turn. Each extension gets its own, so one whose routes hang
 * holds up only itself. A browser
 * gives a page six connections to its host; an extension whose route hangs would otherwise take
 * them all, and with them every request of the page (a message sent, the Extensions page's own
 * switch).
 */
export class BoundedReads {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly timeoutMs: number | null,
    private readonly maxWaiting = Infinity,
  ) {}

  /**
   * Run `read` when a place is free, with a signal that aborts after the timeout or when `cancel`
   * aborts. Rejects (without running) when cancelled while waiting.
   */
  async run<T>(read: (signal: AbortSignal) => Promise<T>, cancel: AbortSignal): Promise<T> {
    await this.#place(cancel);
    try {
      return await read(this.timeoutMs === null ? cancel : AbortSignal.any([cancel, AbortSignal.timeout(this.timeoutMs)]));
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  async #place(cancel: AbortSignal): Promise<void> {
    cancel.throwIfAborted();
    if (this.#running < this.concurrency) {
      this.#running++;
      return;
    }
    if (this.#waiting.length >= this.maxWaiting) throw new KithError('KITH_ERR_RATE_LIMITED', 'Too many requests waiting for their turn');
    await new Promise<void>((resolve, reject) => {
      const go = () => {
        cancel.removeEventListener('abort', leave);
        this.#running++;
        resolve();
      };
      const leave = () => {
        const at = this.#waiting.indexOf(go);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(cancel.reason);
      };
      this.#waiting.push(go);
      cancel.addEventListener('abort', leave, { once: true });
    });
  }
}
