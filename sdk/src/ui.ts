/**
 * The UI side of the SDK. Every view an extension contributes, whether a built-in Angular
 * component or a third-party custom element, receives a {@link UiHost} and a slot context:
 * - Angular components: `host = input.required<UiHost>()` and, in the `home.*` slots,
 *   `peer = input<PeerKey | null>()`.
 * - Custom elements: the shell sets the element properties `kithHost` and `kithPeer` before
 *   inserting the element.
 * The shell implements it; extension UI never imports the shell.
 */
import type { Disposable } from './disposable.js';
import type { PeerKey, PersonaInfo } from './context.js';
import type { FromUiOf, ToUiOf, UiEventMap } from './ui-event-map.js';

/**
 * `M` types the extension's messages (see `defineUiEvents`): the host side writes
 * `UiEvents<typeof myUi>`, the UI side `UiHost<typeof myUi>`, and both check names and payloads.
 */
export interface UiHost<M extends UiEventMap = UiEventMap> {
  /** The contributing extension's id; events below are scoped to it. */
  readonly extensionId: string;
  /** The active persona. */
  readonly persona: PersonaInfo;
  /**
   * `fetch` against the local API: `path` is below `/api` (e.g. `/sessions`). Adds the launch
   * secret; never use a bare `fetch` to the API.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: throws an Error carrying `code` and `status` for non-2xx answers. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** Receive the extension's host-side `ctx.events.emit(name, payload)`. */
  on<K extends keyof ToUiOf<M> & string>(name: K, handler: (payload: ToUiOf<M>[K]) => void): Disposable;
  /** Receive a host event by its full name (e.g. `session:open`, `session:close`). */
  onHostEvent(name: string, handler: (payload: unknown) => void): Disposable;
  /** Send to the extension's host-side `ctx.events.on(name, ...)`. Binary payloads stay binary. */
  emit<K extends keyof FromUiOf<M> & string>(name: K, payload: FromUiOf<M>[K]): void;
  /** Navigate the shell to a client route, e.g. `/call/<peer>`. */
  navigate(route: string): void;
  /** Show a short message to the user (snackbar). */
  notify(message: string, action?: { label: string; run: () => void }): void;
}

/** Slot context of the `home.*` slots and the header actions: the peer selected on the home page. */
export interface PeerSlotContext {
  /** The selected peer, `self` for the persona itself, or null when none is selected. */
  readonly peer: PeerKey | 'self' | null;
}

/** @deprecated The API 1.0 name of {@link PeerSlotContext}. */
export type ChatSlotContext = PeerSlotContext;
