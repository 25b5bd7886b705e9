import { Disposable, type DisposableLike } from './disposable.js';

/**
 * An event: a function you call with a listener. It returns a {@link Disposable} that removes the
 * listener. When `disposables` is given, the returned disposable is also pushed onto it, so
 * `onDidOpen(fn, undefined, ctx.subscriptions)` ties the listener to the extension's lifetime.
 */
export type Event<T> = (
  listener: (e: T) => unknown,
  thisArgs?: unknown,
  disposables?: DisposableLike[],
) => Disposable;

/** Owns an {@link Event} and fires it. Keep the emitter private; expose `emitter.event`. */
export class EventEmitter<T> {
  #listeners = new Set<(e: T) => unknown>();
  #disposed = false;

  /** The event other code subscribes to. */
  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    if (this.#disposed) return Disposable.None;
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    this.#listeners.add(bound);
    const subscription = new Disposable(() => this.#listeners.delete(bound));
    disposables?.push(subscription);
    return subscription;
  };

  /**
   * Call every listener with `value`. A listener that throws does not stop the others; its error
   * goes to `onListenerError` (by default re-thrown asynchronously so it is reported, not lost).
   */
  fire(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** How many listeners are attached; useful for tests and for skipping work nobody watches. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Remove every listener; later subscriptions are ignored. */
  dispose(): void {
    this.#disposed = true;
    this.#listeners.clear();
  }

  protected onListenerError(error: unknown): void {
    queueMicrotask(() => {
      throw error;
    });
  }
}
