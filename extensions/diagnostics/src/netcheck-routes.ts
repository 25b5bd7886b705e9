import { KithError, type Disposable, type ExtensionContext } from '@kith/sdk';
import type { NetcheckRunner } from './netcheck/netcheck-runner.js';

const MAX_URL_LENGTH = 512;

/** `GET /diagnostics/netcheck[?rendezvous=<url>]`: a fresh network check (at most 5 s). */
export function registerNetcheckRoutes(ctx: ExtensionContext, runner: NetcheckRunner): Disposable[] {
  return [
    ctx.routes.get('/diagnostics/netcheck', async (request) => {
      const raw = request.query.rendezvous;
      if (raw !== undefined && (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH || !/^https?:\/\//.test(raw))) {
        throw new KithError('KITH_ERR_BAD_REQUEST', `rendezvous must be one http(s) URL of at most ${MAX_URL_LENGTH} characters`);
      }
      return runner.run(raw);
    }),
  ];
}
