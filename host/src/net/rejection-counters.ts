/**
 * Counts every datagram the net layer refused, per reason, so diagnostics (and the fuzz test) can
 * see that nothing was silently swallowed. Reasons are short kebab-case strings.
 */
export class RejectionCounters {
  readonly #counts = new Map<string, number>();
  readonly #parent: RejectionCounters | undefined;
  #accepted = 0;

  /** `parent` also counts everything counted here (one socket's counts inside a host-wide sum). */
  constructor(parent?: RejectionCounters) {
    this.#parent = parent;
  }

  reject(reason: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
    this.#parent?.reject(reason);
  }

  accept(): void {
    this.#accepted++;
    this.#parent?.accept();
  }

  get accepted(): number {
    return this.#accepted;
  }

  get rejected(): number {
    let total = 0;
    for (const n of this.#counts.values()) total += n;
    return total;
  }

  count(reason: string): number {
    return this.#counts.get(reason) ?? 0;
  }

  snapshot(): { accepted: number; rejected: number; reasons: Record<string, number> } {
    return { accepted: this.#accepted, rejected: this.rejected, reasons: Object.fromEntries(this.#counts) };
  }
}
