import { defineUiEvents } from '@kith/sdk';

/**
 * Every message between hello's host code and its panel, with its payload: the extension writes
 * `UiEvents<typeof helloUi>`, the panel `UiHost<typeof helloUi>`, and both are checked against this.
 */
export const helloUi = defineUiEvents<{
  heartbeat: { beat: number };
  wave: { peer: string; text: string };
  delivered: { peer: string; eventId: string };
  refused: { peer: string; eventId: string; reason: string; message: string };
}>();
