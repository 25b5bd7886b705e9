import type { NextFunction, Request } from 'express';
import { KithError } from '@kith/sdk';

/** Refusals held at once at most; past this they are answered at once (held ones cost a socket each). */
const MAX_HELD = 512;

/**
 * Answers a rate-limited request with 429 `KITH_ERR_RATE_LIMITED` when the client's next token is
 * due (at most `maxDelayMs` later), not at once. A flooder that waits for its answers, as HTTP
 * clients do, is slowed to its budget instead of spinning on refusals that cost the server as
 * much as the answers would; other clients' latency stays flat.
 */
export class Tarpit {
  #held = 0;

  constructor(private readonly maxDelayMs: number, private readonly clock: () => number) {}

  refuse(req: Request, next: NextFunction): void {
    const refusal = new KithError('KITH_ERR_RATE_LIMITED');
    const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    const delay = Math.min(this.maxDelayMs, Math.max(0, (resetTime?.getTime() ?? 0) - this.clock()));
    if (delay === 0 || this.#held >= MAX_HELD) return next(refusal);
    this.#held++;
    setTimeout(() => {
      this.#held--;
      next(refusal);
    }, delay).unref();
  }
}
