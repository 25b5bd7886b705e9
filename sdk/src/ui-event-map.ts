/**
 * Typed messages between an extension's host code and its UI. One declaration, imported by both
 * sides, names every message and its payload:
 *
 * ```ts
 * export const helloUi = defineUiEvents<{ heartbeat: { beat: number } }, { poke: { times: number } }>();
 * // host code:  const events: UiEvents<typeof helloUi> = ctx.events;  events.emit('heartbeat', { beat: 1 });
 * // UI code:    kithHost: UiHost<typeof helloUi>;                      host.on('heartbeat', (p) => p.beat);
 * ```
 */

/** Messages the host side sends to the UI (`ToUi`) and the UI sends to the host side (`FromUi`), by name. */
export interface UiEventMap<ToUi extends object = Record<string, unknown>, FromUi extends object = Record<string, unknown>> {
  /** Never set at run time: carries the payload types. */
  readonly toUi?: ToUi;
  readonly fromUi?: FromUi;
}

/** Names and payloads of the messages to the UI in `M`. */
export type ToUiOf<M extends UiEventMap> = M extends UiEventMap<infer T, object> ? T : never;
/** Names and payloads of the messages from the UI in `M`. */
export type FromUiOf<M extends UiEventMap> = M extends UiEventMap<object, infer F> ? F : never;

/**
 * Declare the UI messages of an extension; pass `typeof` the result to `UiEvents` (host side) and
 * `UiHost` (UI side). Purely for typing: it returns an empty frozen object.
 */
export function defineUiEvents<ToUi extends object, FromUi extends object = Record<never, never>>(): UiEventMap<ToUi, FromUi> {
  return Object.freeze({});
}
