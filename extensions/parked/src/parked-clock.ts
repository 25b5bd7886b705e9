/**
 * The shared timeline windows are computed on: the rendezvous server's clock when one was read
 * (its offset is measured only during timed attendance, never just for the clock), else this
 * machine's clock; plus the configured correction.
 */
export class ParkedClock {
  #rendezvousOffsetMs: number | null = null;

  constructor(private readonly correctionMs: () => number) {}

  /** Shared-clock Unix ms now. */
  now(): number {
    return this.toShared(Date.now());
  }

  toShared(localMs: number): number {
    return localMs + this.#delta();
  }

  /** The local-clock instant of a shared-clock one (what timers and listeners take). */
  toLocal(sharedMs: number): number {
    return sharedMs - this.#delta();
  }

  get source(): 'rendezvous' | 'system' {
    return this.#rendezvousOffsetMs === null ? 'system' : 'rendezvous';
  }

  /** Record a rendezvous clock reading (server Unix ms, read at local `atLocalMs`). */
  observeRendezvous(serverMs: number, atLocalMs: number): void {
    if (Number.isFinite(serverMs)) this.#rendezvousOffsetMs = serverMs - atLocalMs;
  }

  #delta(): number {
    return (this.#rendezvousOffsetMs ?? 0) + this.correctionMs();
  }
}
