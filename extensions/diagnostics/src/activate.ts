/** The diagnostics extension: the network check, live session stats, history and a report to share. */
import { defineExtension } from '@kith/sdk';
import { registerDiagnosticsRoutes } from './diagnostics-routes.js';
import { registerHostFactsRoutes } from './host-facts-routes.js';
import { ROOM_WORD_MIGRATIONS, RoomWords } from './history/room-words.js';
import { NetcheckRunner } from './netcheck/netcheck-runner.js';
import { registerNetcheckRoutes } from './netcheck-routes.js';
import { SessionMonitor } from './sessions/session-monitor.js';

export default defineExtension({
  async activate(ctx) {
    await ctx.storage.migrate(ROOM_WORD_MIGRATIONS);
    const netcheck = new NetcheckRunner(ctx);
    const sessions = new SessionMonitor(ctx);
    const words = new RoomWords(ctx.storage, ctx.sealing);
    ctx.subscriptions.push(
      sessions.start(),
      ...registerNetcheckRoutes(ctx, netcheck),
      ...registerDiagnosticsRoutes(ctx, { netcheck, sessions, words }),
      ...registerHostFactsRoutes(ctx, words),
    );
  },
});
