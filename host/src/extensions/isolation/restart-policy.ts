/** When to start a crashed extension host again, and when to give up. */
export interface RestartLimits {
  /** The first delay; each further crash in the window doubles it. Default 1 s. */
  readonly firstDelayMs?: number;
  /** The longest delay. Default 30 s. */
  readonly maxDelayMs?: number;
  /** This many crashes inside {@link windowMs} and the extension stays faulted. Default 4. */
  readonly maxCrashes?: number;
  /** Default 5 minutes. */
  readonly windowMs?: number;
}

export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly crashes: number }
  | { readonly restart: false; readonly crashes: number; readonly windowMs: number };

/**
 * Exponential backoff per key (persona and extension): a crashed, hung or out-of-memory extension
 * host is started again after 1 s, 2 s, 4 s… (capped); the Nth crash within the window ends the
 * retries, so an extension that crashes on every start does not burn the machine.
 */
export class RestartPolicy {
  readonly #first: number;
  readonly #max: number;
  readonly #maxCrashes: number;
  readonly #window: number;
  readonly #crashes = new Map<string, number[]>();

  constructor(limits: RestartLimits = {}) {
    this.#first = limits.firstDelayMs ?? 1000;
    this.#max = limits.maxDelayMs ?? 30_000;
    this.#maxCrashes = limits.maxCrashes ?? 4;
    this.#window = limits.windowMs ?? 5 * 60_000;
  }

  /** Record a crash of `key` now and decide. */
  crashed(key: string, now = Date.now()): RestartDecision {
    const recent = (this.#crashes.get(key) ?? []).filter((at) => now - at < this.#window);
    recent.push(now);
    this.#crashes.set(key, recent);
    if (recent.length >= this.#maxCrashes) return { restart: false, crashes: recent.length, windowMs: this.#window };
    return { restart: true, delayMs: Math.min(this.#max, this.#first * 2 ** (recent.length - 1)), crashes: recent.length };
  }

  /** Forget `key`'s crashes (the user turned the extension on again). */
  reset(key: string): void {
    this.#crashes.delete(key);
  }
}
