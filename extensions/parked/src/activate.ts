/** The parked extension: reach friends and be reached in scheduled windows, without the rendezvous. */
import { Disposable, defineExtension } from '@kith/sdk';
import { LAST_KNOWN_MIGRATIONS } from './last-known-store.js';
import { registerParkedRoutes } from './parked-routes.js';
import { ParkedRuntime } from './parked-runtime.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(LAST_KNOWN_MIGRATIONS);
    const runtime = new ParkedRuntime(ctx);
    ctx.subscriptions.push(new Disposable(() => runtime.dispose()), ...registerParkedRoutes(ctx, runtime));
    // Not awaited past the activation deadline: a long friend list must not delay start-up.
    runtime.start().catch((error: Error) => ctx.log.warn('parked: start failed', { error: error.message }));
  },
});
