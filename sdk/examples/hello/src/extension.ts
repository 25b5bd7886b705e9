import { defineExtension } from '@kith/sdk';
import { startHeartbeat } from './heartbeat.js';
import { registerGreetingRoutes } from './greeting-routes.js';
import { registerNoteRoutes } from './notes-routes.js';
import { registerRecorderChannel } from './recorder-channel.js';
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
      ...registerNoteRoutes(ctx),
      registerRecorderChannel(ctx),
    );
    ctx.log.info('hello is ready');
  },
});
