import { KithError, type Disposable, type ExtensionContext } from '@kith/sdk';
import { attemptView } from './history/attempt-view.js';
import { summariseRendezvous } from './history/rendezvous-summary.js';
import type { RoomWords } from './history/room-words.js';
import type { NetcheckRunner } from './netcheck/netcheck-runner.js';
import { buildReport, reportText } from './report/report.js';
import type { SessionMonitor } from './sessions/session-monitor.js';

const bad = (message: string) => new KithError('KITH_ERR_BAD_REQUEST', message);

/**
 * The Diagnostics page's routes (the reference's `/api/diagnostics/*` names): live sessions with
 * their chart series, each friend's quality, connect attempts grouped (`attempts`), the rendezvous
 * activity folded (`rendezvous/summary`), room words, and the shared report. The raw host facts
 * (traces, rendezvous, rooms, net) are in host-facts-routes.ts.
 */
export function registerDiagnosticsRoutes(
  ctx: ExtensionContext, deps: { netcheck: NetcheckRunner; sessions: SessionMonitor; words: RoomWords },
): Disposable[] {
  return [
    ctx.routes.get('/diagnostics/sessions', async () => {
      const update = await deps.sessions.sample();
      return { ...update, series: Object.fromEntries(update.sessions.map((s) => [s.peer, deps.sessions.samples.series(s.peer)])) };
    }),
    ctx.routes.get('/diagnostics/quality', async () => {
      const update = await deps.sessions.sample();
      return { friends: Object.fromEntries(update.sessions.map((s) => [s.peer, s.quality])) };
    }),
    ctx.routes.get('/diagnostics/attempts', async (request) => {
      const limit = Number(request.query.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw bad('limit is 1..100');
      return { attempts: (await ctx.diagnostics.connectAttempts(limit)).map(attemptView) };
    }),
    ctx.routes.get('/diagnostics/rendezvous/summary', async () => ({
      lines: summariseRendezvous(await ctx.diagnostics.rendezvousActivity(500)),
    })),
    ctx.routes.put('/diagnostics/rooms/words', async (request) => {
      const word = (request.body as { word?: unknown } | undefined)?.word;
      if (typeof word !== 'string') throw bad('give the room word as "word"');
      try {
        return { room: await deps.words.remember(word) };
      } catch (error) {
        if (error instanceof RangeError) throw bad(error.message);
        throw error;
      }
    }, { limit: 2048 }),
    ctx.routes.post('/diagnostics/rooms/names', async (request) => {
      const rooms = (request.body as { rooms?: unknown } | undefined)?.rooms;
      if (!Array.isArray(rooms) || rooms.length > 200) throw bad('rooms is a list of at most 200 room ids');
      return { words: await deps.words.wordsFor(rooms.filter((r): r is string => typeof r === 'string')) };
    }, { limit: 32 * 1024 }),
    ctx.routes.get('/diagnostics/report', async (request, response) => {
      const report = await buildReport(ctx, deps);
      if (request.query.format === 'text') {
        response.header('content-type', 'text/plain; charset=utf-8');
        return new TextEncoder().encode(reportText(report));
      }
      return report;
    }),
  ];
}
