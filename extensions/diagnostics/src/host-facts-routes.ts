import { KithError, type Disposable, type ExtensionContext } from '@kith/sdk';
import type { RoomWords } from './history/room-words.js';

/** `?limit=` of the flat logs: 1..500, default 200 (out-of-range values are clamped, as the reference does). */
function limitOf(raw: unknown): number {
  if (raw === undefined) return 200;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,2}$/.test(raw) || Number(raw) > 500) throw new KithError('KITH_ERR_BAD_REQUEST', 'limit is a whole number from 1 to 500');
  return Number(raw);
}

/**
 * The reference's raw diagnostics routes, served from what the host keeps (`ctx.diagnostics`):
 * `traces` (connect steps and extensions' traces, newest first), `rendezvous` (the activity log),
 * `rooms` (tracked and joined rooms, by the word the user typed where it is known) and `net` (the
 * datagram counters). All of them are the active persona's only; turning the extension off for a
 * persona removes them.
 */
export function registerHostFactsRoutes(ctx: ExtensionContext, words: RoomWords): Disposable[] {
  return [
    ctx.routes.get('/diagnostics/traces', async (request) => ({ entries: await ctx.diagnostics.traces(limitOf(request.query.limit)) })),
    ctx.routes.get('/diagnostics/rendezvous', async (request) => ({
      entries: await ctx.diagnostics.rendezvousActivity(limitOf(request.query.limit)),
    })),
    ctx.routes.get('/diagnostics/rooms', async () => {
      const { tracked, joined } = await ctx.diagnostics.rooms();
      // A room published raw (not joined by word here) may still have a word the user typed on the page.
      const remembered = await words.wordsFor(tracked.filter((r) => r.word === null).map((r) => r.room));
      return {
        rooms: tracked.map((r) => ({ url: r.url, room: r.room, word: r.word ?? remembered[r.room] ?? null, owners: r.owners, sources: r.sources })),
        joined: joined.map((j) => ({ url: j.url, room: j.room, word: j.word, mode: j.mode, show_strangers: j.showStrangers })),
      };
    }),
    ctx.routes.get('/diagnostics/net', async () => {
      const counters = await ctx.diagnostics.counters();
      return { udp_port: counters.udpPort, counters: counters.mainPort, listener_counters: counters.listeners };
    }),
  ];
}
