import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { UiProfiles, themeInput } from '../../src/identity/ui-profiles.js';

describe('identity/ui-profiles: themes and UI profiles (/api/themes, /api/accounts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kith-ui-profiles-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the built-in themes, saves a custom palette and a profile per persona in a 0600 file', () => {
    const store = new UiProfiles(dir);
    expect(store.themes().map((t) => t.slug)).to.deep.equal(['system', 'light', 'dark', 'high-contrast']);
    const forest = store.saveTheme(themeInput.parse({ name: 'Forest', scheme: 'dark', palette: { primary: '#1B5E20' } }));
    expect(forest.palette).to.deep.equal({ primary: '#1b5e20' });
    const profile = store.createProfile({ name: 'alice', theme_slug: 'dark' });
    expect(store.setTheme(profile.id, forest.slug).theme_slug).to.equal(forest.slug);
    const again = new UiProfiles(dir);
    expect(again.profiles()).to.deep.equal([{ id: profile.id, name: 'alice', theme_slug: forest.slug }]);
    expect(fs.statSync(path.join(dir, 'ui-profiles.json')).mode & 0o777).to.equal(0o600);
  });

  it('refuses what is not a palette, unknown themes and built-in slugs', () => {
    const store = new UiProfiles(dir);
    expect(themeInput.safeParse({ name: 'x', palette: { primary: 'red; background: url(x)' } }).success).to.equal(false);
    expect(themeInput.safeParse({ name: 'x', palette: { 'font-family': '#000000' } }).success).to.equal(false);
    expect(() => store.createProfile({ name: 'a', theme_slug: 'nope' })).to.throw(/No theme/);
    expect(() => store.saveTheme(themeInput.parse({ name: 'Dark again', slug: 'dark', palette: {} }))).to.throw(/built-in/);
    expect(() => store.setTheme('0123456789abcdef', 'dark')).to.throw(/No UI profile/);
  });

  it('a damaged file falls back to no custom themes and no profiles, and is kept aside, not written over, at the next save', () => {
    const damaged = '{"themes": [{"slug": "../../etc"}], "accounts": 7}';
    fs.writeFileSync(path.join(dir, 'ui-profiles.json'), damaged);
    const store = new UiProfiles(dir);
    expect(store.profiles()).to.deep.equal([]);
    expect(store.themes()).to.have.length(4);
    store.saveTheme(themeInput.parse({ name: 'Forest', palette: { primary: '#1B5E20' } }));
    const aside = fs.readdirSync(dir).filter((name) => name.startsWith('ui-profiles.json.damaged-'));
    expect(aside).to.have.length(1);
    expect(fs.readFileSync(path.join(dir, aside[0]!), 'utf8')).to.equal(damaged);
    expect(new UiProfiles(dir).themes().map((t) => t.name)).to.include('Forest');
    // A sound file is written over in place, with nothing kept aside.
    store.saveTheme(themeInput.parse({ name: 'Sea', palette: { primary: '#01579B' } }));
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('ui-profiles.json.damaged-'))).to.have.length(1);
  });
});
