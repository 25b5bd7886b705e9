import { Disposable, type ExtensionContext, type UiEvents } from '@kith/sdk';
import type { helloUi } from './hello-ui-events.js';

/** A timer that tells the panel the extension is alive; its interval is a per-persona setting. */
export interface Heartbeat extends Disposable {
  /** Beats since activation. */
  readonly beats: number;
}

export function startHeartbeat(ctx: ExtensionContext): Heartbeat {
  const events: UiEvents<typeof helloUi> = ctx.events;
  let beats = 0;
  let timer: Disposable | undefined;
  const schedule = () => {
    timer?.dispose();
    const ms = Math.max(10, ctx.settings.get<number>('hello.heartbeat-ms'));
    timer = ctx.timers.setInterval(() => events.emit('heartbeat', { beat: ++beats }), ms);
  };
  schedule();
  // A new interval applies at once; the host disposes this listener with the extension anyway.
  const watching = ctx.settings.onDidChange((change) => {
    if (change.id === 'hello.heartbeat-ms') schedule();
  });
  const disposable = new Disposable(() => {
    watching.dispose();
    timer?.dispose();
  });
  return Object.defineProperty(disposable, 'beats', { get: () => beats }) as Heartbeat;
}
