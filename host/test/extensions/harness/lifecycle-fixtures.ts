import { writeExtension } from './extension-fixture.js';

/** Shared counters the fixture extensions write into (they run in this process). */
export interface FixtureProbe {
  activations: number;
  deactivations: number;
  ticks: number;
  codes: Record<string, string>;
}

export function probe(id: string): FixtureProbe {
  const all = ((globalThis as any).__kithFixtures ??= {}) as Record<string, FixtureProbe>;
  return (all[id] ??= { activations: 0, deactivations: 0, ticks: 0, codes: {} });
}

/**
 * `ticker`: routes (one not pushed to subscriptions, so the host must track it), an interval timer,
 * a setting, a service, UI events, a trace, and probes of the registration rules.
 * `leaning`: depends on ticker and uses its service. `crashy`: activate throws. `shy`: off by default.
 * `paneled`: a UI module.
 */
export function installLifecycleFixtures(dir: string): void {
  writeExtension(
    dir,
    'ticker',
    {
      id: 'ticker',
      displayName: 'Ticker',
      contributes: {
        routes: ['GET /ticker/count', 'POST /ticker/echo', 'GET /ticker/boom', 'GET /ticker/full', 'GET /ticker/full-later', 'GET /ticker/none', 'GET /ticker/items/:name', 'POST /ticker/raw'],
        settings: [
          { id: 'ticker.step', type: 'number', label: 'Step', default: 1, minimum: 1, maximum: 100 },
          { id: 'ticker.repeat', type: 'number', label: 'Repeat', default: 2, minimum: 1, maximum: 10, integer: true },
        ],
      },
    },
    `
const p = globalThis.__kithFixtures.ticker;
export default {
  activate(ctx) {
    p.activations++;
    ctx.routes.get('/ticker/count', () => ({ ticks: p.ticks, persona: ctx.persona.slug, step: ctx.settings.get('ticker.step') }));
    ctx.subscriptions.push(
      ctx.timers.setInterval(() => { p.ticks += ctx.settings.get('ticker.step'); }, 5),
      ctx.routes.post('/ticker/echo', (req) => ({ got: req.body }), { limit: 100 }),
      ctx.routes.get('/ticker/boom', () => { throw new Error('kaboom'); }),
      // What SQLite throws when the disk is full, met in a host call the handler made.
      ctx.routes.get('/ticker/full', () => { throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }); }),
      // The same, from a write nobody awaited (it escapes as an unhandled rejection).
      ctx.routes.get('/ticker/full-later', () => { Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })); return { ok: true }; }),
      ctx.routes.get('/ticker/none', () => undefined),
      ctx.routes.get('/ticker/items/:name', (req) => ({ name: req.params.name })),
      ctx.routes.post('/ticker/raw', (req) => ({ bytes: req.body.length }), { body: 'raw', limit: 1000 }),
      ctx.services.provide('ticker.clock', { now: () => p.ticks }),
      ctx.events.on('ping', (payload) => ctx.events.emit('pong', { echo: payload })),
      ctx.settings.onDidChange((change) => { p.codes.settingChanged = change.id + '=' + change.value; }),
    );
    for (const [name, attempt] of Object.entries({
      undeclared: () => ctx.routes.get('/ticker/other', () => 1),
      duplicate: () => ctx.routes.get('/ticker/count', () => 1),
      network: () => ctx.network.discover(),
      foreignService: () => ctx.services.provide('other.clock', {}),
    })) {
      try { attempt(); p.codes[name] = 'none'; } catch (e) { p.codes[name] = e.code; }
    }
    ctx.diagnostics.trace({ stage: 'ticker.start', outcome: 'ok', detail: 'started for ' + ctx.persona.slug });
    ctx.log.info('ticker activated', { persona: ctx.persona.slug });
  },
  deactivate() { p.deactivations++; },
};
`,
  );
  writeExtension(
    dir,
    'leaning',
    { id: 'leaning', displayName: 'Leaning', dependencies: { ticker: '^1.0.0' }, contributes: { routes: ['GET /leaning/clock'] } },
    `
export default {
  activate(ctx) {
    ctx.subscriptions.push(ctx.routes.get('/leaning/clock', () => ({ now: ctx.services.get('ticker.clock').now() })));
  },
};
`,
  );
  writeExtension(dir, 'crashy', { id: 'crashy', displayName: 'Crashy', contributes: { routes: ['GET /crashy/hi'] } }, `
export function activate(ctx) {
  globalThis.__kithFixtures.crashy.activations++;
  ctx.routes.get('/crashy/hi', () => 'hi');
  throw new Error('activate exploded');
}
`);
  writeExtension(dir, 'shy', { id: 'shy', displayName: 'Shy', enabledByDefault: false, contributes: { routes: ['GET /shy/hi'] } }, `
export default { activate(ctx) { ctx.routes.get('/shy/hi', () => ({ hi: 'shy' })); } };
`);
  writeExtension(
    dir,
    'paneled',
    {
      id: 'paneled',
      displayName: 'Paneled',
      contributes: { views: [{ id: 'paneled.main', slot: 'page', title: 'P', element: 'paneled-main' }], uiModule: 'ui/panel.js' },
    },
    'export default { activate() {} };',
    { 'ui/panel.js': 'customElements.define("paneled-main", class extends HTMLElement {});\n', 'ui/secret.txt': 'not served' },
  );
  writeExtension(dir, 'broken', { id: 'BROKEN', displayName: 'Broken' });
}
