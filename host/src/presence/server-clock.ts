import type { RendezvousClient } from '../../../rendezvous/src/peer/client.js';

/** How long one clock reading is trusted before the server is asked again. */
const READING_TTL_MS = 60_000;

/**
 * Offset-corrected server clocks, one per rendezvous URL. Epochs and punch times come from the
 * server's clock, so two peers with skewed local clocks still agree.
 */
export class ServerClocks {
  readonly #offsets = new Map<string, { offsetMs: number; at: number }>();

  constructor(private readonly localNow: () => number) {}

  async now(client: RendezvousClient): Promise<number> {
    const known = this.#offsets.get(client.url);
    if (known && this.localNow() - known.at < READING_TTL_MS) return Math.round(this.localNow() + known.offsetMs);
    const reading = await client.time();
    // The client measures against Date.now(); re-base onto the injected local clock.
    const offsetMs = reading.serverNow - this.localNow() + reading.rttMs / 2;
    this.#offsets.set(client.url, { offsetMs, at: this.localNow() });
    return Math.round(this.localNow() + offsetMs);
  }

  clear(): void {
    this.#offsets.clear();
  }
}
