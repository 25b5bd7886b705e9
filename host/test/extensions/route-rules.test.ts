/**
 * Issue #21: routes live under the extension's own name, no catch-alls, never answering a host
 * route or another extension's; a manifest that breaks a rule is refused at load with every
 * problem named. The last test loads the real built-ins and a hostile extension into a real host.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCatalog } from '../../src/extensions/catalog.js';
import type { DiscoveredExtension } from '../../src/extensions/discovery.js';
import { overlaps } from '../../src/extensions/route-rules.js';
import { startInProcessHost } from './harness/in-process-host.js';
import { writeExtension } from './harness/extension-fixture.js';

function ext(id: string, routes: string[], builtin = false): DiscoveredExtension {
  return {
    root: `/virtual/${id}`,
    builtin,
    folder: id,
    packageJson: { name: id, version: '1.0.0', kith: { id, displayName: id, hostVersion: '^1.0.0', main: 'main.js', contributes: { routes } } },
    load: async () => ({ activate() {} }),
  };
}
const HOST = ['GET /health', 'GET /identity/state', 'POST /identity/unlock', 'GET /sessions', 'DELETE /sessions/:peer_id', 'GET /extensions'];
const errorOf = (records: ReturnType<typeof buildCatalog>, id: string) => records.find((r) => r.id === id)?.installError;

describe('extensions: route rules (prefix, catch-alls, shadowing)', () => {
  it('accepts a third-party extension under /<id>/ or /ext/<id>/, and a built-in\'s well-known paths', () => {
    const records = buildCatalog(
      [ext('chat', ['GET /sessions/:peer_id/messages', 'GET /self/messages'], true), ext('hello', ['GET /hello/greeting', 'POST /ext/hello/waves/:peer'])],
      '1.0.0',
      HOST,
    );
    expect(records.map((r) => [r.id, r.installError?.message])).to.deep.equal([['chat', undefined], ['hello', undefined]]);
  });

  it('refuses a third-party route outside its prefix, naming the rule', () => {
    const records = buildCatalog([ext('evil', ['POST /pair/start', 'GET /evil/ok', 'POST /identity/unlock'])], '1.0.0', HOST);
    const error = errorOf(records, 'evil')!;
    expect(error.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(error.message).to.contain('kith.contributes.routes.0: "POST /pair/start" is outside the extension\'s own prefix: third-party routes live under /evil/… or /ext/evil/…');
    expect(error.message).to.contain('kith.contributes.routes.2: "POST /identity/unlock" is outside');
    expect(error.message).to.not.contain('routes.1');
  });

  it('refuses catch-alls and parameters in the first segment, for built-ins too', () => {
    for (const route of ['GET /*rest', 'GET /evil/*rest', 'GET /evil{/:x}', 'GET /:anything', 'GET /:a/b', 'GET /']) {
      for (const builtin of [false, true]) {
        const error = errorOf(buildCatalog([ext('evil', [route], builtin)], '1.0.0', HOST), 'evil');
        expect(error?.message, `${route} builtin=${builtin}`).to.match(/catch-all|literal name|must look like/);
      }
    }
  });

  it('refuses a route that would answer a host route or another extension\'s, and names the owner', () => {
    const hostClash = errorOf(buildCatalog([ext('core', ['GET /identity/:what'], true)], '1.0.0', HOST), 'core');
    expect(hostClash?.message).to.contain('would answer requests of the host\'s own route "GET /identity/state"');
    const records = buildCatalog(
      [ext('pairing', ['POST /pair/start', 'GET /friends'], true), ext('copycat', ['POST /pair/:step'], true), ext('friends', ['GET /friends/list'])],
      '1.0.0',
      HOST,
    );
    expect(errorOf(records, 'pairing')).to.equal(undefined);
    expect(errorOf(records, 'copycat')?.message).to.contain('overlaps "POST /pair/start" of extension "pairing"');
    expect(errorOf(records, 'friends')?.message).to.contain('the name "/friends/" is the host\'s or a built-in\'s; use /ext/friends/…');
    const squatter = errorOf(buildCatalog([ext('sessions', ['GET /sessions/mine'])], '1.0.0', HOST), 'sessions');
    expect(squatter?.message).to.contain('the name "/sessions/" is the host\'s');
    const intruder = errorOf(buildCatalog([ext('chat', ['GET /ext/hello/x'], true)], '1.0.0', HOST), 'chat');
    expect(intruder?.message).to.contain('under another extension\'s prefix /ext/hello/');
  });

  it('refuses a third-party id that is the host\'s or a built-in\'s name, whatever its routes (its views may call /api/<id>/…)', () => {
    const builtins = [ext('pairing', ['POST /pair/start', 'GET /friends'], true), ext('chat', ['GET /self/messages'], true)];
    const cases: Array<[string, RegExp]> = [
      ['ext', /prefix of every third-party extension's routes/],
      ['sessions', /a name the host's API answers under \(\/api\/sessions\/…\)/],
      ['identity', /a name the host's API answers under/],
      ['pair', /a name a built-in extension's routes answer under \(\/api\/pair\/…\)/],
      ['self', /a name a built-in extension's routes answer under/],
      ['session', /names the host's own page events \(session:…\)/],
      ['extensions', /a name the host's API answers under/],
      ['bus', /names the host's own page events/],
    ];
    for (const [id, expected] of cases) {
      for (const routes of [[], [`GET /ext/${id}/thing`]]) {
        const error = errorOf(buildCatalog([...builtins, ext(id, routes)], '1.0.0', HOST), id);
        expect(error?.code, `${id} ${routes.join()}`).to.equal('KITH_ERR_MANIFEST_INVALID');
        expect(error?.message, id).to.match(expected);
      }
    }
    // The same names are fine for a built-in, and other ids are fine for anyone.
    expect(errorOf(buildCatalog([ext('session', [], true)], '1.0.0', HOST), 'session')).to.equal(undefined);
    expect(errorOf(buildCatalog([...builtins, ext('sessionsx', []), ext('pairs', [])], '1.0.0', HOST), 'pairs')).to.equal(undefined);
  });

  it('refuses a third-party page route outside its own name (a route of parameters only took other extensions\' pages); built-ins keep theirs', () => {
    const paged = (id: string, nav: string[], actions: string[] = [], builtin = false): DiscoveredExtension => {
      const base = ext(id, [], builtin);
      const contributes = {
        nav: nav.map((route, i) => ({ id: `${id}.n${i}`, label: 'Page', icon: 'ballot', route, view: `${id}.page` })),
        peerActions: actions.map((route, i) => ({ id: `${id}.a${i}`, label: 'Act', icon: 'call', route })),
        views: [{ id: `${id}.page`, slot: 'page', title: 'Page', element: `${id}-page` }],
        uiModule: 'ui.js',
      };
      const packageJson = base.packageJson as { kith: object };
      return { ...base, packageJson: { ...packageJson, kith: { ...packageJson.kith, contributes } } };
    };
    const records = buildCatalog([
      paged('aaa-hostile', [':anything', 'zzz-victim/:x'], ['other/:peer']),
      paged('zzz-victim', ['zzz-victim', 'zzz-victim/:peer'], ['zzz-victim/:peer']),
      paged('calls', ['call/:peer'], ['call/:peer'], true),
    ], '1.0.0', HOST);
    const hostile = errorOf(records, 'aaa-hostile');
    expect(hostile?.code).to.equal('KITH_ERR_MANIFEST_INVALID');
    expect(hostile?.message).to.contain('kith.contributes.nav.0.route: ":anything" is outside the extension\'s own pages: third-party pages live at aaa-hostile or aaa-hostile/…')
      .and.to.contain('kith.contributes.nav.1.route: "zzz-victim/:x"').and.to.contain('kith.contributes.peerActions.0.route: "other/:peer"');
    expect(errorOf(records, 'zzz-victim')).to.equal(undefined);
    expect(errorOf(records, 'calls')).to.equal(undefined);
  });

  it('overlap: same method and a request both match', () => {
    expect(overlaps('GET /a/:b', 'GET /a/c')).to.equal(true);
    expect(overlaps('GET /a/:b', 'POST /a/c')).to.equal(false);
    expect(overlaps('GET /a/:b', 'GET /a/c/d')).to.equal(false);
    expect(overlaps('GET /A/b', 'GET /a/b/')).to.equal(true);
    expect(overlaps('GET /ext/:id/*file', 'GET /ext/x/y/z')).to.equal(true);
  });

  it('in a real host: a hostile manifest is refused at load; the built-ins keep their paths and answer under /api/ext/<id>/ too', async function () {
    this.timeout(60_000);
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-routes-'));
    const hostile = writeExtension(source, 'hijack', { id: 'hijack', contributes: { routes: ['POST /pair/start', 'GET /*rest'] } }, `
export default { activate(ctx) { ctx.routes.post('/pair/start', () => ({ stolen: true })); } };`);
    // The page's socket is no express route, yet its name is the host's: an id `ws` would pass a
    // view's "own routes" check for /api/ws/ and hold the page's socket.io session (round 26).
    const socketName = writeExtension(source, 'ws', { id: 'ws', contributes: { routes: ['GET /ws/hello'] } }, `
export default { activate(ctx) { ctx.routes.get('/ws/hello', () => ({ hello: true })); } };`);
    const host = await startInProcessHost({ name: 'routes', builtin: true, extensions: [hostile, socketName] });
    try {
      await host.createPersona('alice');
      const { extensions } = await host.request<{ extensions: Array<{ id: string; faulted: boolean; error: { code: string; message: string } | null }> }>('GET', '/extensions');
      const refused = extensions.find((e) => e.id === 'hijack')!;
      expect(refused).to.include({ faulted: true });
      expect(refused.error!.code).to.equal('KITH_ERR_MANIFEST_INVALID');
      expect(refused.error!.message).to.contain('"POST /pair/start" is outside the extension\'s own prefix').and.contain('"GET /*rest" is a catch-all');
      const ws = extensions.find((e) => e.id === 'ws')!;
      expect(ws).to.include({ faulted: true });
      expect(ws.error!.message).to.contain('the id "ws" is a name the host\'s API answers under (/api/ws/…)');
      const notFound = await host.call('GET', '/anything/at/all');
      expect(notFound.status).to.equal(404);
      await host.request('POST', '/self/messages', { body: 'through the well-known path' });
      const viaAlias = await host.request<{ messages: { body: string }[] }>('GET', '/ext/chat/self/messages');
      expect(viaAlias.messages.map((m) => m.body)).to.deep.equal(['through the well-known path']);
    } finally {
      await host.close();
      fs.rmSync(source, { recursive: true, force: true });
    }
  });
});
