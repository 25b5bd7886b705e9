/**
 * The manifest side of open view slots and page routes with parameters: an extension opens slots
 * in its own namespace (`polls.toolbar`), others contribute views to them by id, a contribution to
 * a slot nobody opens is a warning; nav routes are literal segments and `:param`s.
 */
import { expect } from 'chai';
import type { ExtensionManifest, KithError } from '@kith/sdk';
import { slotWarnings, validatePackage } from '../../src/extensions/manifest-schema.js';

function pkg(id: string, contributes: Record<string, unknown>) {
  return { name: id, version: '1.0.0', kith: { id, displayName: id, hostVersion: '^1.0.0', main: 'main.mjs', contributes: { uiModule: 'ui.mjs', ...contributes } } };
}
const view = (id: string, slot: string, element: string) => ({ id, slot, title: id, element });

function problemsOf(value: unknown): string[] {
  try {
    validatePackage(value);
  } catch (error) {
    expect((error as KithError).code).to.equal('KITH_ERR_MANIFEST_INVALID');
    return (error as KithError).details!.problems as string[];
  }
  throw new Error('expected the manifest to be refused');
}

describe('extensions: open view slots and page routes (manifest)', () => {
  it('lets an extension open slots in its own namespace and others contribute to them by id', () => {
    const polls = validatePackage(pkg('polls', {
      slots: [{ id: 'polls.toolbar', description: 'Buttons above a poll' }],
      views: [view('polls.page', 'page', 'polls-page'), view('polls.own-button', 'polls.toolbar', 'polls-button')],
    }));
    expect(polls.manifest.contributes?.slots).to.deep.equal([{ id: 'polls.toolbar', description: 'Buttons above a poll' }]);
    expect(polls.warnings).to.deep.equal([]);
    const stickers = validatePackage(pkg('stickers', { views: [view('stickers.button', 'polls.toolbar', 'stickers-button')] }));
    expect(stickers.manifest.contributes?.views?.[0]?.slot).to.equal('polls.toolbar');
    // The shell's slots stay, API 1.0 names included.
    expect(validatePackage(pkg('old', { views: [view('old.side', 'chats.sidebar', 'old-side')] })).manifest.contributes?.views?.[0]?.slot).to.equal('home.sidebar');
  });

  it("refuses a slot outside the extension's namespace, a shell slot's name, duplicates and malformed ids", () => {
    expect(problemsOf(pkg('polls', { slots: [{ id: 'stickers.toolbar' }, { id: 'polls.bar' }, { id: 'polls.bar' }] }))).to.deep.equal([
      'kith.contributes.slots.2: duplicate id "polls.bar"',
      'kith.contributes.slots.0.id: must start with "polls." (an extension opens slots in its own namespace)',
    ]);
    for (const [id, slot] of [['home', 'home.main'], ['home', 'home.toolbar'], ['chats', 'chats.panel'], ['overlay', 'overlay.banner']]) {
      expect(problemsOf(pkg(id!, { slots: [{ id: slot }] }))).to.deep.equal([`kith.contributes.slots.0.id: "${slot}" is in the shell's namespace (home, page, settings, overlay, dialog, chats)`]);
    }
    expect(problemsOf(pkg('polls', { views: [view('polls.x', 'home.toolbar', 'polls-x')] })).join()).to.match(/views\.0\.slot: must be a shell slot/);
    const malformed = problemsOf(pkg('polls', { slots: [{ id: 'toolbar' }, { id: 'polls.Tool bar' }, { id: 'polls.toolbar', extra: 1 }] })).join('\n');
    expect(malformed).to.match(/slots\.0\.id: must be "<ext-id>\.<name>"/).and.match(/slots\.1\.id/).and.match(/slots\.2: Unrecognized key/);
    expect(problemsOf(pkg('polls', { views: [view('polls.x', 'nowhere', 'polls-x')] })).join()).to.match(/views\.0\.slot: must be a shell slot/);
  });

  it('warns about a view for a slot nobody opens (own namespace at once, another extension once all are known)', () => {
    const own = validatePackage(pkg('polls', { views: [view('polls.x', 'polls.tolbar', 'polls-x')] }));
    expect(own.warnings).to.deep.equal(['kith.contributes.views.0.slot: "polls.tolbar" is not in contributes.slots, so the view is never shown']);
    const manifests = [
      validatePackage(pkg('polls', { slots: [{ id: 'polls.toolbar' }] })).manifest,
      validatePackage(pkg('stickers', { views: [view('stickers.a', 'polls.toolbar', 'stickers-a'), view('stickers.b', 'nobody.toolbar', 'stickers-b'), view('stickers.c', 'page', 'stickers-c')] })).manifest,
    ] as ExtensionManifest[];
    expect([...slotWarnings(manifests)]).to.deep.equal([
      ['stickers', ['kith.contributes.views.1.slot: no installed extension opens slot "nobody.toolbar" (extension "nobody" would declare it in contributes.slots)']],
    ]);
  });

  it('takes slots of entries: a view names one of its own GET routes, without parameters, for an open slot', () => {
    const owner = validatePackage(pkg('polls', { slots: [{ id: 'polls.timeline', entries: true }] }));
    expect(owner.manifest.contributes?.slots?.[0]?.entries).to.equal(true);
    const entryView = (entries: unknown, extra: Record<string, unknown> = {}) =>
      pkg('stickers', { routes: ['GET /stickers/timeline', 'GET /stickers/:id'], views: [{ ...view('stickers.card', 'polls.timeline', 'stickers-card'), entries, ...extra }] });
    expect(validatePackage(entryView('/stickers/timeline')).manifest.contributes?.views?.[0]?.entries).to.equal('/stickers/timeline');
    expect(problemsOf(entryView('/stickers/other'))).to.deep.equal(['kith.contributes.views.0.entries: "GET /stickers/other" is not in contributes.routes']);
    // Another extension's route (the host answers it, but the view may not name it).
    expect(problemsOf(entryView('/files/timeline'))).to.deep.equal(['kith.contributes.views.0.entries: "GET /files/timeline" is not in contributes.routes']);
    for (const bad of ['/stickers/:id', 'stickers/timeline', '/stickers/timeline?x=1', '/stickers/../x', '/stickers/./timeline', 'https://evil.example/x', 1, '']) {
      const problems = problemsOf(entryView(bad)).join('\n');
      expect(problems, String(bad)).to.match(/views\.0\.entries/);
    }
    expect(problemsOf(entryView('/stickers/timeline', { slot: 'home.main' }))).to.deep.equal(['kith.contributes.views.0.entries: only a view in an open slot of entries has entries']);
    expect(problemsOf(pkg('polls', { slots: [{ id: 'polls.timeline', entries: 'yes' }] })).join()).to.match(/slots\.0\.entries/);
    // Entries for a slot that is not one of entries: its owner never reads them.
    const manifests = [
      validatePackage(pkg('polls', { slots: [{ id: 'polls.toolbar' }] })).manifest,
      validatePackage(pkg('stickers', { routes: ['GET /stickers/timeline'], views: [{ ...view('stickers.card', 'polls.toolbar', 'stickers-card'), entries: '/stickers/timeline' }] })).manifest,
    ] as ExtensionManifest[];
    expect([...slotWarnings(manifests)]).to.deep.equal([
      ['stickers', ['kith.contributes.views.0.entries: slot "polls.toolbar" is not a slot of entries, so its owner never reads them']],
    ]);
  });

  it('takes nav routes of literal segments and :params, each named once', () => {
    const nav = (route: string) => pkg('polls', { nav: [{ id: 'polls', label: 'Polls', icon: 'ballot', route, view: 'polls.page' }], views: [view('polls.page', 'page', 'polls-page')] });
    for (const route of ['polls', 'polls/:peer', 'polls/:peer/round/:round', 'a.b~c_d-e/:x1']) {
      expect(validatePackage(nav(route)).manifest.contributes?.nav?.[0]?.route, route).to.equal(route);
    }
    for (const route of ['polls/:peer/:peer', '/polls', 'polls//x', 'polls/:', 'polls/:1x', 'polls/<b>', 'polls/%20', `polls/${'x'.repeat(130)}`]) {
      expect(problemsOf(nav(route)).join(), route).to.match(/kith\.contributes\.nav\.0\.route: must/);
    }
  });
});
