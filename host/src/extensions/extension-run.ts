import type { Disposable, ExtensionContext, ExtensionModule } from '@kith/sdk';
import type { HostLogger } from '../log.js';

type DisposableLike = Pick<Disposable, 'dispose'>;

/**
 * One activation of one extension for one persona. It owns everything registered during the run:
 * the extension's own `subscriptions` and every resource the host tracked for it, so turning the
 * extension off removes its routes, kinds, timers and listeners even if it forgot to push them.
 */
export class ExtensionRun {
  readonly subscriptions: DisposableLike[] = [];
  readonly #tracked: DisposableLike[] = [];
  /** Kinds the extension has registered right now → registration count (reported by /api/extensions). */
  readonly kinds = new Map<string, number>();
  context: ExtensionContext | undefined;
  module: ExtensionModule | undefined;
  #stopped = false;

  constructor(
    readonly extensionId: string,
    readonly personaSlug: string,
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Track a resource; after the run has stopped it is disposed at once (a late registration). */
  track<T extends DisposableLike>(resource: T): T {
    if (this.#stopped) resource.dispose();
    else this.#tracked.push(resource);
    return resource;
  }

  /**
   * Dispose the extension's subscriptions, then the tracked resources, each list last first, then
   * call its `deactivate`. A failing disposer is logged and the rest still run.
   */
  async stop(log: HostLogger): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const fail = (error: unknown) => log.warn({ err: error, ext: this.extensionId }, 'extension clean-up step failed');
    for (const list of [this.subscriptions, this.#tracked]) {
      for (const item of list.splice(0).reverse()) {
        try {
          item?.dispose?.();
        } catch (error) {
          fail(error);
        }
      }
    }
    try {
      await this.module?.deactivate?.();
    } catch (error) {
      fail(error);
    }
  }
}
