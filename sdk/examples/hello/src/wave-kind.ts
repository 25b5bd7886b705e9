import type { Disposable, ExtensionContext, UiEvents } from '@kith/sdk';
import type { helloUi } from './hello-ui-events.js';
import type { WaveStore } from './wave-store.js';

/**
 * Handle `hello.wave` from friends: persist first, then return, so the host acknowledges the
 * event only once it is stored (ACK-after-persist); then tell the panel.
 */
export function registerWaveKind(ctx: ExtensionContext, store: WaveStore): Disposable {
  const events: UiEvents<typeof helloUi> = ctx.events;
  return ctx.kinds.register('hello.wave', async (event) => {
    const text = typeof event.header.text === 'string' ? event.header.text.slice(0, 200) : '👋';
    await store.add(event.peer, text);
    events.emit('wave', { peer: event.peer, text });
  });
}
