import { KithError, type Disposable, type ExtensionContext } from '@kith/sdk';
import type { Heartbeat } from './heartbeat.js';
import { WAVE_TEXT_MAX, waveKind } from './wave-kind.js';
import type { WaveStore } from './wave-store.js';

const PEER_KEY = /^[0-9a-f]{64}$/;

/** `GET /api/hello/greeting`, `GET /api/hello/waves`, `POST /api/hello/waves/:peer`. */
export function registerGreetingRoutes(ctx: ExtensionContext, store: WaveStore, heartbeat: Heartbeat): Disposable[] {
  return [
    ctx.routes.get('/hello/greeting', async () => {
      const greeting = `Hello, ${ctx.persona.label}!`;
      return {
        greeting: ctx.settings.get<boolean>('hello.loud') ? greeting.toUpperCase() : greeting,
        persona: ctx.persona.slug,
        waves: await store.count(),
        beats: heartbeat.beats,
      };
    }),
    ctx.routes.get('/hello/waves', async () => ({ waves: await store.recent(50) })),
    ctx.routes.post(
      '/hello/waves/:peer',
      async (req) => {
        const peer = String(req.params.peer);
        const body = (req.body ?? {}) as { text?: unknown };
        const text = typeof body.text === 'string' ? body.text : '👋';
        if (!PEER_KEY.test(peer)) throw new KithError('KITH_ERR_BAD_REQUEST', 'peer must be a 64-character hex key');
        if (text.length === 0 || text.length > WAVE_TEXT_MAX) throw new KithError('KITH_ERR_BAD_REQUEST', `text must be 1 to ${WAVE_TEXT_MAX} characters`);
        // Reliable: queued (sealed) until the friend is online, retried until acknowledged.
        const receipt = await ctx.sessions.send(peer, ctx.streams.forFriend(peer, 'hello'), waveKind.name, waveKind.encode({ text }));
        return { eventId: receipt.eventId, queued: receipt.queued };
      },
      { limit: 1024 },
    ),
  ];
}
