import fs from 'node:fs';
import path from 'node:path';

/**
 * Two user extensions for the page-channel tests, installed the way they ship (no imports: they
 * use only the context they are handed).
 * - `beam` registers `echo` (pause; echoes each message), `frames` (drop-oldest, 16 queued; the
 *   route `POST /beam/frames` sends frames at a rate to every open one), `paced` (pause, 8 queued;
 *   `POST /beam/paced` sends `count` numbered frames, waiting whenever `send` says no) and `sink`
 *   (pause; its handler waits until `POST /beam/sink/release` opens it for good). `GET /beam/state` reports stats.
 * - `other` registers its own `echo` and reports what it received (`GET /other/state`).
 */
const BEAM = String.raw`
const channels = { echo: [], frames: [], paced: [], sink: [] };
const state = { paced: { sent: 0, refused: 0, drains: 0, done: false, error: null }, sink: { received: 0 }, closes: [], errors: [] };
let sinkOpen = false;
let releaseSink = [];
const track = (kind, ch) => {
  channels[kind].push(ch);
  ch.onDidClose(({ reason }) => {
    state.closes.push({ kind, page: ch.page, reason });
    channels[kind] = channels[kind].filter((c) => c !== ch);
  });
};
const frame = (i, size) => { const b = new Uint8Array(size); new DataView(b.buffer).setUint32(0, i); return b; };
export default { activate(ctx) {
  ctx.subscriptions.push(
    ctx.pageChannels.register('echo', (ch) => { track('echo', ch); ch.onDidReceive((m) => { ch.send(m); }); }),
    ctx.pageChannels.register('frames', (ch) => track('frames', ch), { policy: 'drop-oldest', queueMessages: 16 }),
    ctx.pageChannels.register('paced', (ch) => { track('paced', ch); ch.onDidDrain(() => state.paced.drains++); }, { queueMessages: 8 }),
    ctx.pageChannels.register('sink', (ch) => {
      track('sink', ch);
      ch.onDidReceive(() => {
        if (sinkOpen) { state.sink.received++; return undefined; }
        return new Promise((resolve) => releaseSink.push(() => { state.sink.received++; resolve(); }));
      });
    }),
    ctx.routes.post('/beam/push', () => {
      for (const ch of channels.echo) { ch.send(new Uint8Array([9, 8, 7])); ch.send({ from: 'host', bytes: new Uint8Array([1, 2]), list: [1, 'two', null] }); }
      return { pushed: channels.echo.length };
    }),
    ctx.routes.post('/beam/frames', async (req) => {
      const { count, perSecond, size } = req.body;
      const started = Date.now();
      for (let i = 0; i < count; i++) {
        for (const ch of channels.frames) ch.send(frame(i, size));
        const due = started + ((i + 1) * 1000) / perSecond;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      }
      return { ms: Date.now() - started };
    }),
    ctx.routes.post('/beam/paced', (req) => {
      const { count, size } = req.body;
      const ch = channels.paced[0];
      void (async () => {
        try {
          for (let i = 0; i < count; i++) {
            while (!ch.send(frame(i, size))) { state.paced.refused++; await ch.whenWritable(); }
            state.paced.sent++;
          }
          state.paced.done = true;
        } catch (error) { state.paced.error = error.code ?? String(error); }
      })();
      return {};
    }),
    ctx.routes.post('/beam/sink/release', () => { sinkOpen = true; const all = releaseSink; releaseSink = []; for (const r of all) r(); return { released: all.length }; }),
    ctx.routes.post('/beam/oversized', () => {
      const ch = channels.echo[0];
      try { ch.send(new Uint8Array(1024 * 1024 + 1)); return { sent: true }; } catch (error) { return { code: error.code, message: error.message }; }
    }),
    ctx.routes.get('/beam/state', () => ({
      ...state,
      open: ctx.pageChannels.open.map((ch) => ({ name: ch.name, page: ch.page })),
      frames: channels.frames.map((ch) => ({ page: ch.page, stats: ch.stats })),
      paced: { ...state.paced, stats: channels.paced[0]?.stats ?? null, writable: channels.paced[0]?.writable ?? null },
      sink: { ...state.sink, stats: channels.sink[0]?.stats ?? null },
      echo: channels.echo.map((ch) => ({ page: ch.page, stats: ch.stats })),
    })),
  );
} };`;

const OTHER = String.raw`
const state = { received: 0, opened: 0 };
export default { activate(ctx) {
  ctx.subscriptions.push(
    ctx.pageChannels.register('echo', (ch) => { state.opened++; ch.onDidReceive((m) => { state.received++; ch.send(m); }); }),
    ctx.routes.get('/other/state', () => ({ ...state, open: ctx.pageChannels.open.length })),
  );
} };`;

function write(into: string, id: string, routes: string[], source: string): string {
  const root = path.join(into, id);
  fs.mkdirSync(root, { recursive: true });
  const kith = { id, displayName: id, hostVersion: '^1.0.0', main: 'main.mjs', contributes: { routes } };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: id, version: '0.1.0', type: 'module', kith }));
  fs.writeFileSync(path.join(root, 'main.mjs'), source);
  return root;
}

/** Extensions like `other` (an echo channel and a state route), to fill a page's channels from several. */
export const ECHO_EXTENSIONS = ['other', 'ray', 'glow', 'spark'] as const;

/** Write `beam` and the {@link ECHO_EXTENSIONS} under `into`; returns their folders. */
export function writeChannelExtensions(into: string): string[] {
  return [
    write(into, 'beam', ['POST /beam/push', 'POST /beam/frames', 'POST /beam/paced', 'POST /beam/sink/release', 'POST /beam/oversized', 'GET /beam/state'], BEAM),
    ...ECHO_EXTENSIONS.map((id) => write(into, id, [`GET /${id}/state`], OTHER.replaceAll('/other/state', `/${id}/state`))),
  ];
}
