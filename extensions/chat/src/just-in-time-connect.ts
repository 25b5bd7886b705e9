/**
 * Opens sessions with friends, one attempt per friend at a time. `connectNow` is for what the
 * user just did (a message waits, auto-connect was switched on) and always tries; `connectSoon`
 * is for background sweeps and skips a friend for a while after a real attempt failed. A queued
 * message is safe either way; this only makes delivery sooner.
 */
import type { ExtensionContext, PeerKey } from '@kith/sdk';

/** After a failed attempt that really tried the network, background sweeps wait this long. */
const RETRY_AFTER_MS = 15_000;
/** A failure quicker than this did not reach the network (e.g. the friend was not seen in any room). */
const CHEAP_FAILURE_MS = 1_000;
const CONNECT_TIMEOUT_MS = 30_000;

export class JustInTimeConnect {
  private readonly inFlight = new Set<PeerKey>();
  private readonly failedAt = new Map<PeerKey, number>();

  constructor(private readonly ctx: ExtensionContext) {}

  /** Connect to `peer` now unless a session is live or an attempt is already running. */
  connectNow(peer: PeerKey): void {
    if (this.ctx.sessions.get(peer) || this.inFlight.has(peer)) return;
    this.attempt(peer);
  }

  /** Like {@link connectNow}, but not within the back-off after a failed network attempt. */
  connectSoon(peer: PeerKey): void {
    const failed = this.failedAt.get(peer);
    if (failed !== undefined && Date.now() - failed < RETRY_AFTER_MS) return;
    this.connectNow(peer);
  }

  private attempt(peer: PeerKey): void {
    const { ctx } = this;
    this.inFlight.add(peer);
    const started = Date.now();
    ctx.sessions
      .connect(peer, { timeoutMs: CONNECT_TIMEOUT_MS })
      .then(() => {
        this.failedAt.delete(peer);
        ctx.diagnostics.trace({ stage: 'chat-connect', outcome: 'ok', peer, ms: Date.now() - started });
      })
      .catch((error: Error) => {
        const ms = Date.now() - started;
        if (ms >= CHEAP_FAILURE_MS) this.failedAt.set(peer, Date.now());
        ctx.diagnostics.trace({ stage: 'chat-connect', outcome: 'failed', peer, detail: error.message, ms });
      })
      .finally(() => this.inFlight.delete(peer));
  }
}
