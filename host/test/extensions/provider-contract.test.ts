/**
 * The contract between the extensions area and the areas that provide context members: members
 * are built per extension scope on first use, resources a provider tracks are disposed when the
 * extension stops, and `scope.fault` (a handler of the provider's that threw) faults and stops it.
 * The provider here is a small in-test registry standing in for the bus's kind table.
 */
import { expect } from 'chai';
import { Disposable, type ExtensionContext, type KindHandler } from '@kith/sdk';
import type { ContextProviders, ExtensionScope } from '../../src/core/area.js';
import { startExtensionsHarness, type ExtensionsHarness } from './harness/extensions-harness.js';
import { writeExtension } from './harness/extension-fixture.js';
import { testPersona } from './harness/test-persona.js';

describe('extensions: context providers contract', () => {
  let h: ExtensionsHarness;
  const built: string[] = [];
  const handlers = new Map<string, { scope: ExtensionScope; handler: KindHandler }>();
  const providers: ContextProviders = {
    kinds: (scope) => {
      built.push(scope.extension.id);
      return {
        register(kind, handler) {
          handlers.set(kind, { scope, handler });
          return scope.track(new Disposable(() => handlers.delete(kind)));
        },
      };
    },
  };
  const fire = (kind: string) =>
    handlers.get(kind)!.handler({
      peer: 'aa'.repeat(32), peerId: 'p', stream: '00'.repeat(16), seq: 1, kind,
      flags: { eos: false, keyframe: false, wantsAck: true }, header: {}, payload: new Uint8Array(),
    });
  const entry = async (id: string) => (await h.json('/api/extensions')).body.extensions.find((e: { id: string }) => e.id === id);

  before(async () => {
    h = await startExtensionsHarness({
      providers,
      install: (dir) => {
        writeExtension(dir, 'waver', { id: 'waver', kinds: ['waver.wave'] }, `
export default { activate(ctx) { ctx.kinds.register('waver.wave', (e) => { if (e.seq === 1) throw new Error('handler broke'); }); } };`);
        writeExtension(dir, 'quiet', { id: 'quiet' }, 'export default { activate(ctx) { globalThis.__quietCtx = ctx; } };');
        writeExtension(dir, 'chain', { id: 'chain' }, `
export default { activate(ctx) {
  globalThis.__chain = 0;
  const next = () => { if (++globalThis.__chain < 1500) ctx.timers.setTimeout(next, 0); };
  ctx.timers.setTimeout(next, 0);
} };`);
        writeExtension(dir, 'hog', { id: 'hog' }, `
export default { activate(ctx) { for (let i = 0; i < 1025; i++) ctx.timers.setInterval(() => {}, 60000); } };`);
        writeExtension(dir, 'ticking', { id: 'ticking' }, `
export default { activate(ctx) { ctx.timers.setTimeout(() => { throw new Error('timer broke'); }, 5); } };`);
        writeExtension(dir, 'listener', { id: 'listener' }, `
export default { activate(ctx) { globalThis.__listenerCtx = ctx; ctx.events.on('poke', () => { throw new Error('listener broke'); }); } };`);
      },
    });
    h.gate.set(testPersona('frank'));
    await h.area.manager.settled();
  });
  after(() => h?.close());

  it('builds a provided member only for extensions that use it, once per run', async () => {
    expect(built).to.deep.equal(['waver']);
    expect((await entry('waver')).registeredKinds).to.deep.equal(['waver.wave']);
  });

  it('faults and stops an extension when a provider reports its handler threw; tracked resources are disposed', async () => {
    const { scope } = handlers.get('waver.wave')!;
    let thrown: unknown;
    try {
      await fire('waver.wave');
    } catch (error) {
      thrown = error;
      scope.fault(error); // what the bus does when a handler throws
    }
    expect((thrown as Error).message).to.equal('handler broke');
    await h.area.manager.settled();
    const waver = await entry('waver');
    expect(waver).to.include({ running: false, faulted: true });
    expect(waver.error.message).to.equal('handler broke');
    expect(handlers.has('waver.wave')).to.equal(false);
    expect(waver.registeredKinds).to.deep.equal([]);
  });

  it('faults an extension whose UI event listener throws', async () => {
    const { io } = await import('socket.io-client');
    const socket = io(h.url, { path: '/api/ws', extraHeaders: { 'x-kith-secret': h.kernel.launchSecret }, transports: ['websocket'] });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', () => resolve());
        socket.on('connect_error', reject);
      });
      socket.emit('listener:poke', {});
      await new Promise((r) => setTimeout(r, 50));
      await h.area.manager.settled();
      const listener = await entry('listener');
      expect(listener.faulted).to.equal(true);
      expect(listener.error.message).to.equal('listener broke');
    } finally {
      socket.close();
    }
  });

  it('forgets fired timeouts (no growth over a long run) and caps live timers per extension', async () => {
    const g = globalThis as { __chain?: number };
    await eventuallyTrue(() => g.__chain === 1500);
    expect(h.area.manager.run('chain')!.trackedCount).to.be.below(5);
    expect((await entry('chain')).faulted).to.equal(false);
    const hog = await entry('hog');
    expect(hog).to.include({ faulted: true, running: false });
    expect(hog.error.code).to.equal('KITH_ERR_RATE_LIMITED');
  });

  it('faults an extension whose timer callback throws', async () => {
    await new Promise((r) => setTimeout(r, 30));
    await h.area.manager.settled();
    const ticking = await entry('ticking');
    expect(ticking.faulted).to.equal(true);
    expect(ticking.error.message).to.equal('timer broke');
  });

  it('makes an unprovided member throw KITH_ERR_NOT_AVAILABLE naming it (a faulted run\'s context is revoked first)', () => {
    const faulted = (globalThis as { __listenerCtx?: ExtensionContext }).__listenerCtx!;
    expect(() => faulted.sessions.all).to.throw(/used after extension "listener" stopped/).with.property('code', 'KITH_ERR_CONTEXT_REVOKED');
    const ctx = (globalThis as { __quietCtx?: ExtensionContext }).__quietCtx!;
    expect(() => ctx.sessions.all).to.throw(/ctx\.sessions is not available/).with.property('code', 'KITH_ERR_NOT_AVAILABLE');
    expect(String(ctx.friends)).to.equal('[ctx.friends: not available]');
    expect(() => ctx.friends.list).to.throw().with.property('code', 'KITH_ERR_NOT_AVAILABLE');
  });

  // A deadline, not a speed check: 1500 chained timeouts take ≥ 1.5 s and longer on a busy machine.
  async function eventuallyTrue(probe: () => boolean, deadlineMs = 20_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (!probe() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(probe()).to.equal(true);
  }
});
