import { defineExtension } from '@kith/sdk';
import { startHeartbeat } from './heartbeat.js';
import { registerGreetingRoutes } from './greeting-routes.js';
import { registerWaveKind } from './wave-kind.js';
import { reportWaveOutcomes } from './wave-reports.js';
import { openWaveStore } from './wave-store.js';

/** Wires the pieces into the context; every registration goes into `subscriptions`. */
export default defineExtension({
  async activate(ctx) {
    const store = await openWaveStore(ctx.storage);
    const heartbeat = startHeartbeat(ctx);
    ctx.subscriptions.push(
      heartbeat,
      registerWaveKind(ctx, store),
      ...reportWaveOutcomes(ctx),
      ...registerGreetingRoutes(ctx, store, heartbeat),
    );
    ctx.log.info('hello is ready');
  },
});
