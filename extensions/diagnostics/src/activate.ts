/** The diagnostics extension: the network check, live session stats, history and a report to share. */
import { defineExtension } from '@kith/sdk';
import { NetcheckRunner } from './netcheck/netcheck-runner.js';
import { registerNetcheckRoutes } from './netcheck-routes.js';

export default defineExtension({
  activate(ctx) {
    const netcheck = new NetcheckRunner(ctx);
    ctx.subscriptions.push(...registerNetcheckRoutes(ctx, netcheck));
  },
});
