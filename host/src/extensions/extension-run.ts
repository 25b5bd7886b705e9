import type { Disposable, ExtensionContext, ExtensionModule } from '@kith/sdk';
import type { HostLogger } from '../log.js';
import type { CrashOwner } from './isolation/crash-guard.js';
import { enterZone } from './isolation/extension-zone.js';

type DisposableLike = Pick<Disposable, 'dispose'>;

/**
 * One activation of one extension for one persona. It owns everything registered during the run:
 * the extension's own `subscriptions` and every resource the host tracked for it, so turning the
 * extension off removes its routes, kinds, timers and listeners even if it forgot to push them.
 */
export class ExtensionRun implements CrashOwner {
  readonly subscriptions: DisposableLike[] = [];
  /** Insertion-ordered; a resource leaves it when disposed, so long runs do not accumulate. */
  readonly #tracked = new Set<DisposableLike>();
  /** Kinds the extension has registered right now → registration count (reported by /api/extensions). */
  readonly kinds = new Map<string, number>();
  context: ExtensionContext | undefined;
  module: ExtensionModule | undefined;
  #stopped = false;
  /** True once `activate` has resolved (routes of this run need not wait for pending changes). */
  activated = false;

  constructor(
    readonly extensionId: string,
    readonly personaSlug: string,
    /** Told when the extension's code lets an error escape (see isolation/crash-guard.ts). */
    readonly onCrash: (error: unknown) => void = () => undefined,
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Every context member throws `KITH_ERR_CONTEXT_REVOKED` once this is true (context/revocable.ts). */
  get revoked(): boolean {
    return this.#stopped;
  }

  crashed(error: unknown): void {
    this.onCrash(error);
  }

  /** Track a resource; after the run has stopped it is disposed at once (a late registration). */
  track<T extends DisposableLike>(resource: T): T {
    if (this.#stopped) {
      resource.dispose();
      return resource;
    }
    this.#tracked.add(resource);
    const tracked = this.#tracked;
    const dispose = resource.dispose;
    try {
      // Forget the resource once it is disposed early (a fired timeout, a removed listener).
      (resource as { dispose: () => void }).dispose = function (this: T) {
        tracked.delete(resource);
        return dispose.call(this);
      };
    } catch {
      // A frozen resource stays in the set until the run stops; disposing twice is harmless.
    }
    return resource;
  }

  /** How many tracked resources are alive (tests watch this for leaks). */
  get trackedCount(): number {
    return this.#tracked.size;
  }

  /**
   * Revoke the context, dispose the extension's subscriptions, then the tracked resources, each
   * list last first, then call its `deactivate` (the context is revoked by then). A failing
   * disposer is logged and the rest still run.
   */
  async stop(log: HostLogger): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const fail = (error: unknown) => log.warn({ err: error, ext: this.extensionId }, 'extension clean-up step failed');
    const tracked = [...this.#tracked];
    this.#tracked.clear();
    for (const list of [this.subscriptions.splice(0), tracked]) {
      for (const item of list.reverse()) {
        try {
          item?.dispose?.();
        } catch (error) {
          fail(error);
        }
      }
    }
    try {
      await enterZone(this, () => this.module?.deactivate?.());
    } catch (error) {
      fail(error);
    }
  }
}
