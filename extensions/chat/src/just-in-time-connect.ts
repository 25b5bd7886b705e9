/**
 * Opens a session when a message waits for a friend who is not connected: one attempt per friend
 * at a time, and not again within a short back-off after a failure. The queued message is safe
 * either way; this only makes delivery sooner.
 */
import type { ExtensionContext, PeerKey } from '@kith/sdk';

const RETRY_AFTER_MS = 15_000;
const CONNECT_TIMEOUT_MS = 30_000;

export class JustInTimeConnect {
  private readonly inFlight = new Set<PeerKey>();
  private readonly failedAt = new Map<PeerKey, number>();

  constructor(private readonly ctx: ExtensionContext) {}

  /** Start connecting to `peer` unless a session is live, an attempt runs, or one just failed. */
  ensure(peer: PeerKey): void {
    const { ctx } = this;
    if (ctx.sessions.get(peer) || this.inFlight.has(peer)) return;
    const failed = this.failedAt.get(peer);
    if (failed !== undefined && Date.now() - failed < RETRY_AFTER_MS) return;
    this.inFlight.add(peer);
    const started = Date.now();
    ctx.sessions
      .connect(peer, { timeoutMs: CONNECT_TIMEOUT_MS })
      .then(() => {
        this.failedAt.delete(peer);
        ctx.diagnostics.trace({ stage: 'chat-jit-connect', outcome: 'ok', peer, ms: Date.now() - started });
      })
      .catch((error: Error) => {
        this.failedAt.set(peer, Date.now());
        ctx.diagnostics.trace({ stage: 'chat-jit-connect', outcome: 'failed', peer, detail: error.message, ms: Date.now() - started });
      })
      .finally(() => this.inFlight.delete(peer));
  }
}
