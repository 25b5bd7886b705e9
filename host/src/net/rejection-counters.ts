/**
 * Counts every datagram the net layer refused, per reason, so diagnostics (and the fuzz test) can
 * see that nothing was silently swallowed. Reasons are short kebab-case strings.
 */
export class RejectionCounters {
  readonly #counts = new Map<string, number>();
  #accepted = 0;

  reject(reason: string): void {
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
  }

  accept(): void {
    this.#accepted++;
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
