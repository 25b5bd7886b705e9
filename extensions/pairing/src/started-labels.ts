/**
 * The name given to `POST /pair/start` for the friend a code is for, kept until `POST /pair/wait`
 * of that code: the reference's clients name the friend when they start, Kith's when they wait.
 * A few codes at a time and a few minutes each; memory only (a restart forgets them, and the wait
 * then uses the friend's own name).
 */
const MAX_CODES = 64;
const KEEP_MS = 15 * 60_000;

export class StartedLabels {
  readonly #labels = new Map<string, { label: string; until: number }>();

  remember(code: string, label: string | undefined, now = Date.now()): void {
    if (label === undefined) return;
    this.#labels.delete(code);
    this.#labels.set(code, { label, until: now + KEEP_MS });
    if (this.#labels.size > MAX_CODES) this.#labels.delete(this.#labels.keys().next().value as string);
  }

  /** The label given at start for `code`, if still kept; it is used once. */
  take(code: string, now = Date.now()): string | undefined {
    const kept = this.#labels.get(code);
    this.#labels.delete(code);
    return kept && kept.until > now ? kept.label : undefined;
  }
}
