import type { Disposable, ExtensionContext, UiEvents } from '@kith/sdk';
import type { helloUi } from './hello-ui-events.js';

/**
 * Tell the panel what became of waves this extension sent: delivered (the friend's handler stored
 * it) or refused (e.g. the friend has hello turned off: NACK `kind-disabled`).
 */
export function reportWaveOutcomes(ctx: ExtensionContext): Disposable[] {
  const events: UiEvents<typeof helloUi> = ctx.events;
  return [
    ctx.sessions.onDidDeliver((report) => {
      if (report.kind === 'hello.wave') events.emit('delivered', { peer: report.peer, eventId: report.eventId });
    }),
    ctx.sessions.onDidNack((report) => {
      if (report.kind === 'hello.wave') {
        events.emit('refused', { peer: report.peer, eventId: report.eventId, reason: report.reason, message: report.message });
      }
    }),
  ];
}
