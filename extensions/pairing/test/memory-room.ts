import type { PairingRoom } from '../src/pairing-run.js';

/** A rendezvous room in memory that records every blob, as an operator could. */
export class MemoryRoom {
  readonly entries = new Map<string, string>();
  readonly recorded: string[] = [];

  /** One participant's view: publishes are replaced per owner, like the rendezvous does. */
  view(): PairingRoom {
    return {
      publish: async (owner, blob) => {
        if (!/^[A-Za-z0-9_-]{8,64}$/.test(owner)) throw new Error(`owner tag ${owner} breaks the rendezvous owner pattern`);
        this.entries.set(owner, blob);
        this.recorded.push(blob);
      },
      fetch: async () => [...this.entries.values()].map((blob) => ({ blob })),
    };
  }
}
