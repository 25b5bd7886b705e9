import { expect } from 'chai';
import { isKithError, type KithError } from '@kith/sdk';
import { validatePackage } from '../../src/extensions/manifest-schema.js';

const valid = () => ({
  name: 'kith-hello',
  version: '1.0.0',
  kith: {
    id: 'hello',
    displayName: 'Hello',
    hostVersion: '^1.0.0',
    main: 'dist/extension.js',
    kinds: ['hello.wave', 'chat.text'],
    contributes: {
      routes: ['GET /hello/greeting', 'POST /hello/:peer/wave'],
      nav: [{ id: 'hello', label: 'Hello', icon: 'waving_hand', route: 'hello', view: 'hello.panel' }],
      views: [{ id: 'hello.panel', slot: 'page', title: 'Hello', element: 'hello-panel' }],
      settings: [{ id: 'hello.loud', type: 'boolean', label: 'Shout', default: false }],
      uiModule: 'dist/ui.js',
    },
  },
});

function problemsOf(pkg: unknown): string[] {
  try {
    validatePackage(pkg);
  } catch (error) {
    expect(isKithError(error)).to.equal(true);
    expect((error as KithError).code).to.equal('KITH_ERR_MANIFEST_INVALID');
    return (error as KithError).details!.problems as string[];
  }
  throw new Error('expected the manifest to be refused');
}

describe('extensions: manifest schema', () => {
  it('refuses a page route under a shell page and a peer action that leaves the app', () => {
    const shadowing = valid();
    shadowing.kith.contributes.nav[0]!.route = 'settings';
    expect(problemsOf(shadowing).join()).to.contain('kith.contributes.nav.0.route: must not start with a page of the shell');
    const outward = valid();
    (outward.kith.contributes as Record<string, unknown>).peerActions = [{ id: 'hello.out', label: 'Out', icon: 'call', route: 'https://evil.example/:peer' }];
    expect(problemsOf(outward).join()).to.contain('kith.contributes.peerActions.0.route: must be segments');
    const fine = valid();
    (fine.kith.contributes as Record<string, unknown>).peerActions = [{ id: 'hello.ring', label: 'Ring', icon: 'call', route: 'hello/:peer' }];
    expect(validatePackage(fine).manifest.contributes?.peerActions?.[0]?.route).to.equal('hello/:peer');
  });

  it('takes the permissions the SDK names, each once', () => {
    const asking = valid();
    (asking.kith as Record<string, unknown>).permissions = ['friends.manage'];
    expect(validatePackage(asking).manifest.permissions).to.deep.equal(['friends.manage']);
    const unknown = valid();
    (unknown.kith as Record<string, unknown>).permissions = ['files.read-all'];
    expect(problemsOf(unknown).join()).to.contain('kith.permissions.0: must be a permission this host knows: friends.manage');
    const twice = valid();
    (twice.kith as Record<string, unknown>).permissions = ['friends.manage', 'friends.manage'];
    expect(problemsOf(twice).join()).to.contain('kith.permissions: must not list a permission twice');
  });

  it('accepts a complete manifest and returns it typed', () => {
    const pkg = validatePackage(valid());
    expect(pkg.manifest.id).to.equal('hello');
    expect(pkg.version).to.equal('1.0.0');
    expect(pkg.manifest.contributes?.routes).to.have.length(2);
  });

  it('takes the layout slot names, reads the API 1.0 chat-shaped ones as them, and refuses others', () => {
    const withSlots = (...slots: string[]) => {
      const pkg = valid() as any;
      pkg.kith.contributes.views = slots.map((slot, i) => ({ id: `hello.v${i}`, slot, title: 'V', element: `hello-v${i}` }));
      pkg.kith.contributes.nav = [];
      return pkg;
    };
    const slotsOf = (...slots: string[]) => validatePackage(withSlots(...slots)).manifest.contributes!.views!.map((v) => v.slot);
    expect(slotsOf('home.sidebar', 'home.main', 'page', 'settings')).to.deep.equal(['home.sidebar', 'home.main', 'page', 'settings']);
    expect(slotsOf('chats.sidebar', 'chats.panel')).to.deep.equal(['home.sidebar', 'home.main']);
    expect(problemsOf(withSlots('chats.main')).join()).to.match(/kith\.contributes\.views\.0\.slot/);
  });

  it('reads the API 1.0 chatActions as peerActions (appended to any peerActions)', () => {
    const action = (id: string) => ({ id, label: 'Ring', icon: 'call', route: 'ring/:peer' });
    const pkg = valid() as any;
    pkg.kith.contributes.peerActions = [action('hello.a')];
    pkg.kith.contributes.chatActions = [action('hello.b')];
    const contributes = validatePackage(pkg).manifest.contributes as Record<string, any>;
    expect(contributes.peerActions.map((a: { id: string }) => a.id)).to.deep.equal(['hello.a', 'hello.b']);
    expect(contributes).to.not.have.property('chatActions');
  });

  it('names each bad field with the reason', () => {
    const pkg = valid() as any;
    pkg.kith.id = 'Hello_World';
    pkg.kith.hostVersion = 'not a range';
    pkg.kith.contributes.routes = ['FETCH /x', 'GET no-slash'];
    pkg.version = 'one';
    const problems = problemsOf(pkg);
    expect(problems.find((p) => p.startsWith('kith.id:'))).to.match(/\^\[a-z\]/);
    expect(problems.find((p) => p.startsWith('kith.hostVersion:'))).to.match(/semver range/);
    expect(problems.find((p) => p.startsWith('kith.contributes.routes.0:'))).to.match(/GET \/path/);
    expect(problems.find((p) => p.startsWith('kith.contributes.routes.1:'))).to.exist;
    expect(problems.find((p) => p.startsWith('version:'))).to.match(/semver version/);
  });

  it('refuses unknown fields, a missing kith section, and ids of the wrong length', () => {
    expect(problemsOf({ ...valid(), kith: { ...valid().kith, activationEvents: [] } }).join()).to.match(/activationEvents/);
    expect(problemsOf({ name: 'x', version: '1.0.0' }).join()).to.match(/^kith:/);
    expect(problemsOf({ ...valid(), kith: { ...valid().kith, id: 'h' } }).join()).to.match(/kith\.id/);
    expect(problemsOf({ ...valid(), kith: { ...valid().kith, id: 'a'.repeat(33) } }).join()).to.match(/kith\.id/);
  });

  it('refuses kinds it may not own, element names of another id, dangling nav views and mistyped defaults', () => {
    const pkg = valid() as any;
    pkg.kith.kinds = ['other.wave', 'bus.ack', 'hello.wave'];
    pkg.kith.contributes.views[0].element = 'other-panel';
    pkg.kith.contributes.nav[0].view = 'missing';
    pkg.kith.contributes.settings[0].default = 'yes';
    const problems = problemsOf(pkg);
    expect(problems).to.include.members([
      'kith.kinds.0: "other.wave" is neither a built-in kind nor "hello.<name>"',
      'kith.kinds.1: "bus.ack" is neither a built-in kind nor "hello.<name>"',
      'kith.contributes.views.0.element: must start with "hello-"',
      'kith.contributes.nav.0.view: no view "missing" in contributes.views',
      'kith.contributes.settings.0.default: must be a boolean',
    ]);
  });

  it('takes a range for number settings only, with the default inside it', () => {
    const manifestWith = (settings: unknown[]) => {
      const pkg = valid() as any;
      pkg.kith.contributes.settings = settings;
      return pkg;
    };
    const withSettings = (settings: unknown[]) => problemsOf(manifestWith(settings));
    expect(() => validatePackage(manifestWith([{ id: 'hello.n', type: 'number', label: 'N', default: 5, minimum: 1, maximum: 10 }]))).not.to.throw();
    expect(() => validatePackage(manifestWith([{ id: 'hello.n', type: 'number', label: 'N', default: 5, minimum: 1 }]))).not.to.throw();
    expect(withSettings([{ id: 'hello.n', type: 'number', label: 'N', default: 50, minimum: 1, maximum: 10 }])).to.deep.equal(['kith.contributes.settings.0.default: must be within minimum and maximum']);
    expect(withSettings([{ id: 'hello.n', type: 'number', label: 'N', default: 5, minimum: 10, maximum: 1 }])).to.deep.equal(['kith.contributes.settings.0: minimum is above maximum']);
    expect(withSettings([{ id: 'hello.b', type: 'boolean', label: 'B', default: true, maximum: 1 }])).to.deep.equal(['kith.contributes.settings.0: minimum and maximum are for number settings']);
    expect(withSettings([{ id: 'hello.n', type: 'number', label: 'N', default: 5, minimum: 'one' }]).join()).to.match(/minimum/);
  });

  it('takes integer for number settings only, with a whole default', () => {
    const withSettings = (settings: unknown[]) => {
      const pkg = valid() as any;
      pkg.kith.contributes.settings = settings;
      return problemsOf(pkg);
    };
    const valid1 = valid() as any;
    valid1.kith.contributes.settings = [{ id: 'hello.n', type: 'number', label: 'N', default: 5, integer: true, minimum: 1 }];
    expect(() => validatePackage(valid1)).not.to.throw();
    expect(withSettings([{ id: 'hello.n', type: 'number', label: 'N', default: 2.5, integer: true }])).to.deep.equal(['kith.contributes.settings.0.default: must be a whole number']);
    expect(withSettings([{ id: 'hello.s', type: 'string', label: 'S', default: 'x', integer: true }])).to.deep.equal(['kith.contributes.settings.0: integer is for number settings']);
    expect(withSettings([{ id: 'hello.n', type: 'number', label: 'N', default: 5, integer: 'yes' }]).join()).to.match(/integer/);
  });

  it('refuses entry and UI module paths that leave the extension folder', () => {
    const pkg = valid() as any;
    pkg.kith.main = '../host/src/main.ts';
    pkg.kith.contributes.uiModule = '/etc/passwd';
    const problems = problemsOf(pkg);
    expect(problems.some((p) => p.startsWith('kith.main:'))).to.equal(true);
    expect(problems.some((p) => p.startsWith('kith.contributes.uiModule:'))).to.equal(true);
  });
});
