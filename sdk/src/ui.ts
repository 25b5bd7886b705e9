/**
 * The UI side of the SDK. Every view an extension contributes, whether a built-in Angular
 * component or a third-party custom element, receives a {@link UiHost} and a slot context:
 * - Angular components: `host = input.required<UiHost>()` and, in the `home.*` slots,
 *   `peer = input<PeerKey | null>()`.
 * - Custom elements (third-party): each view runs in a sandboxed frame on an origin of its own
 *   (one per persona and extension, no launch secret); the frame sets the element properties `kithHost` and
 *   `kithPeer` before inserting it, and every `UiHost` call is answered by the shell for the view's
 *   own extension (its routes, events and channels; docs/extensions.md, "Your view's frame").
 * A `page` view also gets its route's parameters (`route` input / `kithRoute` property, a
 * {@link PageRoute}); a view in an open slot gets what the slot's owner passed (`context` input /
 * `kithContext` property, a {@link SlotContext}).
 * The shell implements it; extension UI never imports the shell.
 */
import type { Disposable } from './disposable.js';
import type { PeerKey, PersonaInfo } from './context.js';
import type { PageChannel } from './page-channel.js';
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
   * `fetch` against the local API: `path` is below `/api` (e.g. `/hello/greeting`). A third-party
   * view reaches its own routes (`/<id>/…`, `/ext/<id>/…`) and reads `GET /sessions`,
   * `/identity/state` and `/health`; anything else answers 403 `KITH_ERR_FORBIDDEN`.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: throws an Error carrying `code` and `status` for non-2xx answers. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /**
   * A URL for a media element's `src` (`<video>`, `<audio>`, `<img>`, a download link), which cannot
   * send the launch secret header: `path` is one of your GET routes below `/api`, as declared
   * (e.g. `/notes/attachments/42`), no query. The URL opens that path only, for GET and HEAD, for an hour or until Kith restarts;
   * the lock gate still applies. Range requests of the element go to your route as usual.
   */
  mediaUrl(path: string): Promise<string>;
  /** Receive the extension's host-side `ctx.events.emit(name, payload)`. */
  on<K extends keyof ToUiOf<M> & string>(name: K, handler: (payload: ToUiOf<M>[K]) => void): Disposable;
  /** Receive a host event by its full name (`session:open`, `session:close`, `extensions:changed`; a third-party view gets no other extension's). */
  onHostEvent(name: string, handler: (payload: unknown) => void): Disposable;
  /**
   * Send to the extension's host-side `ctx.events.on(name, ...)`. Binary payloads stay binary.
   * From a third party's view, a payload over 1.75 MiB as JSON (binary at its length), or one sent
   * while the page is not connected, is dropped (send what must arrive through a route).
   */
  emit<K extends keyof FromUiOf<M> & string>(name: K, payload: FromUiOf<M>[K]): void;
  /**
   * Navigate the shell to a client route, e.g. `/call/<peer>`. From a third party's view, only in
   * answer to the user (a click or key press in one of its views within 5 s, the focus still there,
   * or a click on the action of its `notify`); else nothing happens.
   */
  navigate(route: string): void;
  /**
   * Show a short message to the user (snackbar; a third party's is headed "Extension “<name>”",
   * and cut at 500 characters); while Kith's page is in the background, also as a
   * desktop notification titled with your extension's name, if the user allowed Kith's
   * notifications (clicking it runs `action`).
   */
  notify(message: string, action?: { label: string; run: () => void }): void;
  /**
   * Render the open slot `slot` (declared in this extension's `contributes.slots`, e.g.
   * `polls.toolbar`) into `container`: every running extension's views for it, in extension order,
   * each given `context` (plain data, frozen). Views come and go as extensions are turned on and off.
   * Dispose to remove them. Throws for a slot this extension does not declare.
   */
  renderSlot(container: SlotContainer, slot: string, context?: SlotContext): Disposable;
  /**
   * API 1.7. The entries of the slot of entries `slot` (declared with `entries: true` in this
   * extension's `contributes.slots`) for `context`: each running contributor's `entries` route is
   * read with the context's string, number and boolean values as query parameters (past 1,024
   * characters of query it is not read at all), and the merged list, oldest first, goes to
   * `onEntries` now and again whenever a contributor emits `slot-entries-changed`, is turned on or
   * off. A contributor whose route fails or takes over 10 s keeps the entries it last gave (none
   * at first). Dispose to stop. Throws for a slot this extension does not declare with `entries: true`.
   */
  watchSlotEntries(slot: string, context: SlotContext, onEntries: (entries: readonly SlotEntry[]) => void): Disposable;
  /**
   * Render one entry (from `watchSlotEntries`) into `container`: its contributor's view, given
   * `context` with `entry` set to the entry's id. Renders nothing once the contributor is off.
   */
  renderSlotEntry(container: SlotContainer, slot: string, entry: SlotEntry, context?: SlotContext): Disposable;
  /**
   * API 1.7. Show this extension's view `viewId` (one it contributes to the shell slot `dialog`)
   * in a modal dialog over the page, titled with the extension's name so it never passes for
   * Kith's own UI; the view gets `context` (plain data) as `kithContext` / the `context` input.
   * Only in answer to the user (a click or key press in this extension's own view within the
   * last few seconds, the focus still there; not within 6 s, doubling, of the user dismissing
   * one), and one dialog of an extension at a time. Resolves with what the view passed to
   * `closeDialog`, or undefined when the user closed it (Escape, Close, a click beside it) or the
   * extension stopped. Rejects with `KITH_ERR_BAD_REQUEST` (no such view of yours in slot
   * `dialog`), `KITH_ERR_CONFLICT` (one of yours is open), `KITH_ERR_FORBIDDEN` (no user action
   * just before).
   */
  openDialog<T = unknown>(viewId: string, context?: SlotContext): Promise<T | undefined>;
  /**
   * API 1.7. Close this extension's open dialog: its `openDialog` resolves with `result` (plain
   * data, at most 64 KiB as JSON; more, or what cannot be cloned, resolves it with undefined).
   * Does nothing when none is open.
   */
  closeDialog(result?: unknown): void;
  /**
   * Open the channel `name` the extension's host code registered with
   * `ctx.pageChannels.register(name, ...)`: a duplex channel between this page and the extension,
   * for binary (`Uint8Array`) and structured messages, with the backpressure policy the extension
   * chose. Rejects with `KITH_ERR_NOT_FOUND` when the extension does not run or registered no such
   * name, `KITH_ERR_RATE_LIMITED` past 16 channels per page. Close it when the view goes away
   * (`disconnectedCallback`); it closes by itself when the page's connection drops or the
   * extension stops.
   */
  openChannel(name: string): Promise<PageChannel>;
}

/**
 * The element a slot renders into: the DOM's `HTMLElement` where the DOM library is loaded (UI
 * code), `object` elsewhere, so host-side code typechecks against the SDK without `lib: ["DOM"]`.
 */
export type SlotContainer = typeof globalThis extends { HTMLElement: { prototype: infer E } } ? E : object;

/** The route a `page` view was opened with. Parameters are plain strings: set them as text, never as HTML. */
export interface PageRoute {
  /** The nav entry's pattern, e.g. `polls/:peer`. */
  readonly pattern: string;
  /** The URL path that matched, e.g. `polls/self`. */
  readonly path: string;
  /** Each `:name` of the pattern, URL-decoded, 1 to 256 characters; a longer one does not match. */
  readonly params: Readonly<Record<string, string>>;
}

/** One entry of a slot of entries, as `UiHost.watchSlotEntries` reports it. */
export interface SlotEntry {
  /** Unique in the list: contributor, view and id. Use it to track rows. */
  readonly key: string;
  /** The contributing extension's id and view id. */
  readonly extension: string;
  readonly view: string;
  /** The contributor's id of the entry (its view gets it as `context.entry`). */
  readonly id: string;
  /** When it happened, ms since the epoch. */
  readonly at: number;
  /** Made by the persona itself. */
  readonly fromMe: boolean;
  /**
   * The contributing extension's display name, and whether it ships with Kith: an owner shows the
   * name with a third party's entry, so its view cannot pass for the owner's own items (a message).
   */
  readonly extensionName: string;
  readonly builtIn: boolean;
  /** Plain text naming the entry (the contributor's label, else its view's title). */
  readonly label: string;
}

/** What an open slot's owner hands each view in it (`renderSlot`'s `context`). */
export type SlotContext = Readonly<Record<string, unknown>>;

/** Slot context of the `home.*` slots and the header actions: the peer selected on the home page. */
export interface PeerSlotContext {
  /** The selected peer, `self` for the persona itself, or null when none is selected. */
  readonly peer: PeerKey | 'self' | null;
}

/** @deprecated The API 1.0 name of {@link PeerSlotContext}. */
export type ChatSlotContext = PeerSlotContext;

/**
 * The properties the frame sets on a third-party view's element before inserting it (and again
 * when they change). Declare them on your custom element, e.g.
 * `class PollsButton extends HTMLElement implements KithViewProperties<typeof pollsUi> { kithHost?: UiHost<typeof pollsUi>; … }`.
 */
export interface KithViewProperties<M extends UiEventMap = UiEventMap> {
  /** The shell's answers for this view's extension. */
  kithHost?: UiHost<M>;
  /** In the shell's `home.*` slots and header actions: the selected peer (a key, `self` or null); null elsewhere. */
  kithPeer?: PeerKey | 'self' | null;
  /** On a `page` view: the route it was opened with. */
  kithRoute?: PageRoute | null;
  /** In an open slot: what the slot's owner passed (chat's slots pass `{ peer }`). */
  kithContext?: SlotContext | null;
}
