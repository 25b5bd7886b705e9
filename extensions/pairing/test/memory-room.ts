import type { PairingRoom } from '../src/pairing-run.js';

/** A rendezvous room in memory that records every blob, as an operator could; entries keep their store time. */
export class MemoryRoom {
  readonly entries = new Map<string, { blob: string; storedAt: number }>();
  readonly recorded: string[] = [];
  private clock = 0;

  /** One participant's view: publishes are replaced per owner, like the rendezvous does. */
  view(): PairingRoom {
    return {
      publish: async (owner, blob) => {
        if (!/^[A-Za-z0-9_-]{16,64}$/.test(owner)) throw new Error(`owner tag ${owner} breaks the rendezvous owner-secret pattern`);
        this.entries.set(owner, { blob, storedAt: Math.max(Date.now(), ++this.clock) });
        this.clock = Math.max(this.clock, Date.now());
        this.recorded.push(blob);
      },
      fetch: async () => [...this.entries.values()].map((entry) => ({ ...entry })),
    };
  }

  /** Withdraw an owner's entry. */
  remove(owner: string): void {
    this.entries.delete(owner);
  }
}
