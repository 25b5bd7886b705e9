/**
 * The one lifetime primitive of the Kith SDK. Everything an extension registers returns a
 * `Disposable`; disposing it undoes the registration. The host disposes every item of
 * `ExtensionContext.subscriptions`, in reverse order, when the extension is turned off.
 */
/** Anything with a `dispose()`: what `ctx.subscriptions` takes (a {@link Disposable}, a page channel, your own object). */
export interface DisposableLike {
  dispose(): unknown;
}

export class Disposable {
  /** Combine several disposables into one that disposes them all, last first. */
  static from(...items: ReadonlyArray<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => {
      for (const item of [...items].reverse()) item.dispose();
    });
  }

  /** A disposable that does nothing, for APIs that must return one. */
  static readonly None: Disposable = new Disposable(() => undefined);

  #callOnDispose: (() => unknown) | undefined;

  /** @param callOnDispose runs once, on the first call to {@link dispose}. */
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  /** Undo what this disposable stands for. Calling it again does nothing. */
  dispose(): void {
    const fn = this.#callOnDispose;
    this.#callOnDispose = undefined;
    fn?.();
  }

  /** True once {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.#callOnDispose === undefined;
  }
}
