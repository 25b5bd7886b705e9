import { EventRefused, defineKind, type Disposable, type ExtensionContext, type UiEvents } from '@kith/sdk';
import type { helloUi } from './hello-ui-events.js';
import type { WaveStore } from './wave-store.js';

/** A wave's header: its text, 1 to 200 characters. */
export interface WaveHeader {
  readonly text: string;
}

export const WAVE_TEXT_MAX = 200;

/**
 * The typed codec of `hello.wave`: the send path encodes with it and the receive path decodes with
 * it, so both run the same check. It builds a fresh object, so keys it does not name are dropped.
 */
export const waveKind = defineKind<WaveHeader>('hello.wave', (header) =>
  typeof header.text === 'string' && header.text.length > 0 && header.text.length <= WAVE_TEXT_MAX ? { text: header.text } : null,
);

/**
 * Handle `hello.wave` from friends: refuse a malformed one (the sender's `onDidNack` gets reason
 * `refused` and this text), persist the rest first, then return, so the host acknowledges the
 * event only once it is stored (ACK-after-persist); then tell the panel.
 */
export function registerWaveKind(ctx: ExtensionContext, store: WaveStore): Disposable {
  const events: UiEvents<typeof helloUi> = ctx.events;
  return ctx.kinds.register(waveKind.name, async (event) => {
    const wave = waveKind.decode(event.header);
    if (!wave) throw new EventRefused(`a wave's text is 1 to ${WAVE_TEXT_MAX} characters`);
    await store.add(event.peer, wave.text);
    events.emit('wave', { peer: event.peer, text: wave.text });
  });
}
